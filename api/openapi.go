package api

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/labstack/echo/v4"
	"go.yaml.in/yaml/v3"
)

// openapiYAML is the API's contract, written by hand beside the handlers (YAML for comments and
// anchors) and served as JSON. Tests hold it to the routes actually registered and validate
// real responses against it.
//
//go:embed openapi.yaml
var openapiYAML []byte

var (
	openapiOnce sync.Once
	openapiJSON []byte
	openapiErr  error
)

// OpenAPI returns the OpenAPI 3.1 document as JSON. The document is converted once.
func OpenAPI() ([]byte, error) {
	openapiOnce.Do(func() {
		var doc any
		if err := yaml.Unmarshal(openapiYAML, &doc); err != nil {
			openapiErr = fmt.Errorf("openapi: parse openapi.yaml: %w", err)
			return
		}
		doc = jsonKeys(doc)
		if m, ok := doc.(map[string]any); ok {
			delete(m, "x-shared") // the anchors' home, copied in where used
		}
		openapiJSON, openapiErr = json.Marshal(doc)
		if openapiErr != nil {
			openapiErr = fmt.Errorf("openapi: encode: %w", openapiErr)
		}
	})
	return openapiJSON, openapiErr
}

// jsonKeys turns YAML mappings into JSON objects: every key a string.
func jsonKeys(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			v[k] = jsonKeys(x)
		}
		return v
	case map[any]any:
		m := make(map[string]any, len(v))
		for k, x := range v {
			m[fmt.Sprint(k)] = jsonKeys(x)
		}
		return m
	case []any:
		for i, x := range v {
			v[i] = jsonKeys(x)
		}
		return v
	}
	return v
}

func (s *Server) openAPI(c echo.Context) error {
	return s.read(c, jsonOnly, func() (*reply, error) {
		doc, err := OpenAPI()
		if err != nil {
			return nil, err
		}
		return &reply{JSON: json.RawMessage(doc)}, nil
	})
}
