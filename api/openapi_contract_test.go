package api_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/childrens-trust/scorecard/api"
)

// The contract as code generators read it. Spectral and Redocly lint the document in CI
// (.ci/contract.sh); these checks are the ones a generated client depends on, cheap enough to
// run with the unit tests.

// walkSchemaNodes calls fn for every JSON object in v with its JSON pointer-ish path.
func walkSchemaNodes(path string, v any, fn func(path string, obj map[string]any)) {
	switch x := v.(type) {
	case map[string]any:
		fn(path, x)
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			walkSchemaNodes(path+"/"+k, x[k], fn)
		}
	case []any:
		for i, e := range x {
			walkSchemaNodes(fmt.Sprintf("%s/%d", path, i), e, fn)
		}
	}
}

// schemaTypes returns a schema's type keyword as a list (a string or an array of strings).
func schemaTypes(obj map[string]any) []string {
	switch t := obj["type"].(type) {
	case string:
		return []string{t}
	case []any:
		var out []string
		for _, e := range t {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func servedDocument(t *testing.T) (map[string]any, []byte) {
	t.Helper()
	raw, err := api.OpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	return doc, raw
}

// Every number has format double and every integer an integer format, so that generators
// (oapi-codegen makes float32 of a bare number: 980.4 decodes as 980.40002) keep the values.
func TestOpenAPINumbersHaveFormats(t *testing.T) {
	doc, _ := servedDocument(t)
	numbers, integers := 0, 0
	walkSchemaNodes("", doc, func(path string, obj map[string]any) {
		types := schemaTypes(obj)
		format, _ := obj["format"].(string)
		switch {
		case slices.Contains(types, "number"):
			numbers++
			if format != "double" {
				t.Errorf("%s: a number with format %q, want double", path, format)
			}
		case slices.Contains(types, "integer"):
			integers++
			if format != "int64" && format != "int32" {
				t.Errorf("%s: an integer with format %q, want int64 or int32", path, format)
			}
		}
	})
	if numbers < 20 || integers < 50 {
		t.Errorf("found %d numbers and %d integers: the walk missed the schemas", numbers, integers)
	}
}

// Every error response is the one Problem schema as application/problem+json: no allOf with a
// nested const (generators keep only the const), no other media type.
func TestOpenAPIErrorsAreProblemDetails(t *testing.T) {
	doc, _ := servedDocument(t)
	components := doc["components"].(map[string]any)
	responses := components["responses"].(map[string]any)
	resolve := func(r map[string]any) map[string]any {
		if ref, ok := r["$ref"].(string); ok {
			name := strings.TrimPrefix(ref, "#/components/responses/")
			if rr, ok := responses[name].(map[string]any); ok {
				return rr
			}
			t.Fatalf("unresolved %s", ref)
		}
		return r
	}
	checked := 0
	for path, item := range doc["paths"].(map[string]any) {
		for method, op := range item.(map[string]any) {
			opm, ok := op.(map[string]any)
			if !ok {
				continue
			}
			if opm["operationId"] == "health" {
				continue // its 503 is the health answer ({"status": "unavailable"}), not an error
			}
			rs, _ := opm["responses"].(map[string]any)
			for status, r := range rs {
				if status != "default" && status < "400" {
					continue
				}
				checked++
				content, _ := resolve(r.(map[string]any))["content"].(map[string]any)
				if len(content) != 1 || content[api.ProblemMediaType] == nil {
					t.Errorf("%s %s %s: content %v, want only %s", method, path, status, sortedKeys(content), api.ProblemMediaType)
					continue
				}
				schema := content[api.ProblemMediaType].(map[string]any)["schema"].(map[string]any)
				if schema["$ref"] != "#/components/schemas/Problem" || len(schema) != 1 {
					t.Errorf("%s %s %s: schema %v, want the Problem schema alone", method, path, status, schema)
				}
			}
		}
	}
	if checked < 100 {
		t.Errorf("only %d error responses checked", checked)
	}

	problem := components["schemas"].(map[string]any)["Problem"].(map[string]any)
	var enum []string
	for _, c := range problem["properties"].(map[string]any)["code"].(map[string]any)["enum"].([]any) {
		enum = append(enum, c.(string))
	}
	if want := api.ProblemCodes(); !slices.Equal(enum, want) {
		t.Errorf("Problem.code enum %v, want api.ProblemCodes() %v", enum, want)
	}
	required := problem["required"].([]any)
	for _, m := range []string{"type", "title", "status", "detail", "instance", "code"} {
		if !slices.Contains(required, any(m)) {
			t.Errorf("Problem does not require %s", m)
		}
	}
}

// Every operation has an operationId (unique), a summary and a description, and every component
// is used: generators name methods by operationId, and linters warn about the rest.
func TestOpenAPIOperationsDescribedAndComponentsUsed(t *testing.T) {
	doc, raw := servedDocument(t)
	ids := map[string]string{}
	for path, item := range doc["paths"].(map[string]any) {
		for method, op := range item.(map[string]any) {
			opm, ok := op.(map[string]any)
			if !ok {
				continue
			}
			where := strings.ToUpper(method) + " " + path
			id, _ := opm["operationId"].(string)
			if id == "" {
				t.Errorf("%s: no operationId", where)
			} else if other, dup := ids[id]; dup {
				t.Errorf("%s and %s share the operationId %s", where, other, id)
			}
			ids[id] = where
			for _, k := range []string{"summary", "description"} {
				if s, _ := opm[k].(string); strings.TrimSpace(s) == "" {
					t.Errorf("%s: no %s", where, k)
				}
			}
		}
	}
	for kind, set := range doc["components"].(map[string]any) {
		if kind == "securitySchemes" {
			continue // used by name in security requirements, not by $ref
		}
		for name := range set.(map[string]any) {
			ref := fmt.Sprintf(`"#/components/%s/%s"`, kind, name)
			if !strings.Contains(string(raw), ref) {
				t.Errorf("components/%s/%s is never used", kind, name)
			}
		}
	}
}

func sortedKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
