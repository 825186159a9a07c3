package steps_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlgate/mlgate/pkg/evidence"
	"github.com/mlgate/mlgate/pkg/steps"
)

// Without a Sink a step writes a new file and never replaces one: a library
// caller that signs twice keeps the first bundle.
func TestDefaultSinkRefusesToReplace(t *testing.T) {
	ctx := context.Background()
	m := model(t.TempDir())
	if _, err := sign(ctx, m); err != nil {
		t.Fatal(err)
	}
	first, err := os.ReadFile(filepath.Join(m, "model.sig"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sign(ctx, m); err == nil || !strings.Contains(err.Error(), "model.sig") {
		t.Fatalf("signing again: %v, want a refusal naming the bundle", err)
	}
	again, _ := os.ReadFile(filepath.Join(m, "model.sig"))
	if string(again) != string(first) {
		t.Fatal("the first bundle was replaced")
	}
}

// A step's errors are about the input, never a panic, and name the file.
func TestStepsNameTheBadInput(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.yaml")
	if _, err := steps.Validate(ctx, steps.ValidateRequest{Contract: missing, Data: []string{missing}}); err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Fatalf("Validate: %v", err)
	}
	if _, err := steps.Diff(ctx, steps.DiffRequest{Old: missing, New: missing}); err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Fatalf("Diff: %v", err)
	}
	if _, err := steps.Gate(ctx, steps.GateRequest{PolicyInputs: steps.PolicyInputs{Config: missing}}); err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Fatalf("Gate: %v", err)
	}
	if _, err := steps.Verify(ctx, steps.VerifyRequest{Model: dir, Bundle: missing}); err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Fatalf("Verify: %v", err)
	}
}

// TestValidateODCSServer validates the data an ODCS contract's local server
// names when the request names none, and judges freshness at AsOf.
func TestValidateODCSServer(t *testing.T) {
	dir := t.TempDir()
	data := features(dir)
	odcs := `apiVersion: v3.1.0
kind: DataContract
id: features
version: 1.0.0
status: active
servers:
  - server: local
    type: local
    path: features.parquet
    format: parquet
schema:
  - name: features
    properties:
      - name: id
        logicalType: integer
        required: true
        unique: true
`
	path := filepath.Join(dir, "features.odcs.yaml")
	if err := os.WriteFile(path, []byte(odcs), 0o644); err != nil {
		t.Fatal(err)
	}
	doc, err := steps.Validate(context.Background(), steps.ValidateRequest{Run: run, Contract: path})
	if err != nil {
		t.Fatal(err)
	}
	d, ok := evidence.DetailsOf[evidence.ValidationDetails](doc)
	if !ok {
		t.Fatalf("details are %T", doc.Details)
	}
	if doc.Status != evidence.StatusPass || d.Rows != 2000 || d.Format != "odcs" || d.Object != "features" {
		t.Errorf("status %s, %d rows, format %q object %q", doc.Status, d.Rows, d.Format, d.Object)
	}
	if len(doc.Subject.Files) != 1 || doc.Subject.Files[0].Path != data {
		t.Errorf("validated %+v, want %s", doc.Subject.Files, data)
	}
}
