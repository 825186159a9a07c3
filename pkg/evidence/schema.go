package evidence

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// SchemaJSON is the JSON Schema (draft 2020-12) of the evidence document.
//
//go:embed evidence.schema.json
var SchemaJSON []byte

// SchemaURL is the $id of SchemaJSON.
const SchemaURL = "https://mlgate.dev/schemas/evidence/v1.json"

var compiled = sync.OnceValues(func() (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(SchemaJSON))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(SchemaURL, doc); err != nil {
		return nil, err
	}
	return c.Compile(SchemaURL)
})

// ValidateSchema checks a JSON document against the evidence schema.
func ValidateSchema(data []byte) error {
	schema, err := compiled()
	if err != nil {
		return fmt.Errorf("evidence schema: %w", err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	if err := schema.Validate(inst); err != nil {
		var ve *jsonschema.ValidationError
		if errors.As(err, &ve) {
			return fmt.Errorf("does not match the evidence schema: %s", flatten(ve))
		}
		return fmt.Errorf("does not match the evidence schema: %w", err)
	}
	return nil
}

// flatten lists the leaf errors as "at /path: message", one per cause.
func flatten(ve *jsonschema.ValidationError) string {
	var parts []string
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) == 0 {
			out := e.DetailedOutput()
			loc := "/" + strings.Join(e.InstanceLocation, "/")
			msg := "invalid"
			if out.Error != nil {
				msg = out.Error.String()
			}
			parts = append(parts, fmt.Sprintf("at %s: %s", loc, msg))
			return
		}
		for _, c := range e.Causes {
			walk(c)
		}
	}
	walk(ve)
	if len(parts) > 5 {
		parts = append(parts[:5], fmt.Sprintf("and %d more", len(parts)-5))
	}
	return strings.Join(parts, "; ")
}
