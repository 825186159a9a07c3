package policy

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/mlgate/mlgate/pkg/evidence"
)

// InputSchemaJSON is the JSON Schema (draft 2020-12) of the input document.
//
//go:embed input.schema.json
var InputSchemaJSON []byte

// InputSchemaURL is the $id of InputSchemaJSON.
const InputSchemaURL = "https://mlgate.dev/schemas/policy-input/v1.json"

// ValidateInput checks an input document against InputSchemaJSON, so the
// documented shape and the one policies receive cannot drift apart.
func ValidateInput(in *Input) error {
	c := jsonschema.NewCompiler()
	for url, raw := range map[string][]byte{InputSchemaURL: InputSchemaJSON, evidence.SchemaURL: evidence.SchemaJSON} {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		if err != nil {
			return fmt.Errorf("schema %s: %w", url, err)
		}
		if err := c.AddResource(url, doc); err != nil {
			return err
		}
	}
	schema, err := c.Compile(InputSchemaURL)
	if err != nil {
		return err
	}
	raw, err := json.Marshal(in)
	if err != nil {
		return err
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return err
	}
	return schema.Validate(inst)
}

// typeCheckSchema is InputSchemaJSON as OPA's type checker takes it, so that
// a policy reading a field the input does not have (input.modle.name) fails to
// compile with its file and line instead of being silently undefined. OPA
// reads draft-07 schemas and cannot fetch the evidence schema, so evidence
// documents are typed as open objects.
func typeCheckSchema() (*ast.SchemaSet, error) {
	var schema map[string]any
	if err := json.Unmarshal(InputSchemaJSON, &schema); err != nil {
		return nil, err
	}
	delete(schema, "$schema")
	delete(schema, "$id")
	props, _ := schema["properties"].(map[string]any)
	ev, _ := props["evidence"].(map[string]any)
	if items, ok := ev["additionalProperties"].(map[string]any); ok {
		items["items"] = map[string]any{"type": "object"}
	} else {
		return nil, errors.New("input schema: evidence has no additionalProperties")
	}
	ss := ast.NewSchemaSet()
	ss.Put(ast.SchemaRootRef, schema)
	return ss, nil
}
