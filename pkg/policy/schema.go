package policy

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"

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
