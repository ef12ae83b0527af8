package api

import (
	"encoding/json"
	"slices"
	"testing"
)

// The EvaluationRow schema documents exactly the flat evaluation columns, with their types.
func TestEvaluationRowSchemaMatchesTheColumns(t *testing.T) {
	raw, err := OpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Components struct {
			Schemas map[string]json.RawMessage `json:"schemas"`
		} `json:"components"`
	}
	var row struct {
		Properties map[string]struct {
			Type   typeList `json:"type"`
			Format string   `json:"format"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(doc.Components.Schemas["EvaluationRow"], &row); err != nil {
		t.Fatal(err)
	}
	props := row.Properties
	want := map[kind]string{kText: "string", kNumber: "number", kInteger: "integer", kBoolean: "boolean", kDate: "string", kTimestamp: "string"}
	for _, c := range evaluationColumns {
		p, ok := props[c.Name]
		if !ok {
			t.Errorf("column %s is not in the EvaluationRow schema", c.Name)
			continue
		}
		if !slices.Contains(p.Type, want[c.Kind]) || slices.Contains(p.Type, "null") == c.Required {
			t.Errorf("column %s (%s): schema type %v", c.Name, c.Kind, p.Type)
		}
		if (c.Kind == kDate) != (p.Format == "date") || (c.Kind == kTimestamp) != (p.Format == "date-time") {
			t.Errorf("column %s (%s): schema format %q", c.Name, c.Kind, p.Format)
		}
		delete(props, c.Name)
	}
	for name := range props {
		t.Errorf("EvaluationRow documents %s, which is no column", name)
	}
}

// typeList is a schema's type: one name or a list of them.
type typeList []string

func (l *typeList) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*l = typeList{one}
		return nil
	}
	return json.Unmarshal(b, (*[]string)(l))
}
