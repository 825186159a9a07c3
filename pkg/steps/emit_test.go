package steps

import (
	"bytes"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mlgate/mlgate/pkg/actions"
	"github.com/mlgate/mlgate/pkg/evidence"
	"github.com/mlgate/mlgate/pkg/outfile"
)

func emitDoc() *evidence.Document {
	doc := evidence.New(evidence.KindDataValidation, evidence.Subject{Name: "orders"}, evidence.Tool{Name: "mlgate", Version: "test"}, time.Unix(0, 0))
	doc.Add(evidence.Check{ID: "rows", Status: evidence.StatusPass})
	return doc
}

// Emit writes the planned evidence file, signs it and prints the summary in
// the format asked; the file reads back as the document printed.
func TestEmitWritesSignsAndPrints(t *testing.T) {
	out := filepath.Join(t.TempDir(), "validation.json")
	p := outfile.NewPlan(nil)
	o := p.Output("--out", out)
	if err := p.Check(); err != nil {
		t.Fatal(err)
	}
	var summary, warn bytes.Buffer
	var signed string
	m := Emit{Console: Console{Summary: &summary, Format: "json", Actions: actions.New(func(string) string { return "" }, &warn), Warn: &warn},
		Out: o, Sign: func(path string) error { signed = path; return nil }}
	doc := emitDoc()
	if err := m.Emit(doc, time.Unix(5, 0)); err != nil {
		t.Fatal(err)
	}
	if signed != out {
		t.Errorf("signed %q, want %q", signed, out)
	}
	back, err := evidence.Read(out)
	if err != nil {
		t.Fatal(err)
	}
	var printed evidence.Document
	if err := json.Unmarshal(summary.Bytes(), &printed); err != nil {
		t.Fatalf("summary is not the JSON document: %v\n%s", err, summary.String())
	}
	if back.Status != evidence.StatusPass || printed.Status != back.Status || back.DurationMs != 5000 {
		t.Errorf("file status %s, printed %s, duration %d ms", back.Status, printed.Status, back.DurationMs)
	}
	if warn.Len() != 0 {
		t.Errorf("warnings outside GitHub Actions: %q", warn.String())
	}
}

// Evidence that cannot be signed is an error, and the document printed
// says so: its status is error, not the checks' pass.
func TestEmitSignFailureIsAnError(t *testing.T) {
	p := outfile.NewPlan(nil)
	o := p.Output("--out", filepath.Join(t.TempDir(), "v.json"))
	if err := p.Check(); err != nil {
		t.Fatal(err)
	}
	var summary bytes.Buffer
	refused := errors.New("no signer")
	m := Emit{Console: Console{Summary: &summary, Format: "markdown", Actions: actions.New(func(string) string { return "" }, &summary), Warn: &summary},
		Out: o, Sign: func(string) error { return refused }}
	doc := emitDoc()
	if err := m.Emit(doc, time.Unix(1, 0)); !errors.Is(err, refused) {
		t.Fatalf("err = %v, want the signing error", err)
	}
	if doc.Status != evidence.StatusError {
		t.Errorf("status %s, want error", doc.Status)
	}
	if !strings.Contains(summary.String(), "orders") {
		t.Errorf("no markdown summary printed: %q", summary.String())
	}
}
