package steps_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/mlgate/mlgate/pkg/evidence"
	"github.com/mlgate/mlgate/pkg/progress"
	"github.com/mlgate/mlgate/pkg/signing"
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

// recorder is a progress.Reporter that keeps each task's name, total and count.
type recorder struct {
	mu    sync.Mutex
	tasks []*recordedTask
}

type recordedTask struct {
	name        string
	unit        progress.Unit
	total, done int64
	ended       bool
	mu          *sync.Mutex
}

func (r *recorder) Start(name string, unit progress.Unit, total int64) progress.Task {
	r.mu.Lock()
	defer r.mu.Unlock()
	t := &recordedTask{name: name, unit: unit, total: total, mu: &r.mu}
	r.tasks = append(r.tasks, t)
	return t
}

func (t *recordedTask) Add(n int64) { t.mu.Lock(); t.done += n; t.mu.Unlock() }
func (t *recordedTask) Done()       { t.mu.Lock(); t.ended = true; t.mu.Unlock() }

// TestRunProgress: the run's reporter hears of hashing and of Parquet scans,
// each task ended with all its work counted; without one the steps are silent.
func TestRunProgress(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	rec := &recorder{}
	r := run
	r.Progress = rec
	signer, err := signing.NewKeySigner(ctx, "../../testdata/signing/test.key", func() ([]byte, error) { return []byte("mlgate-test"), nil })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := steps.Sign(ctx, steps.SignRequest{Run: r, Model: model(dir), Signer: signer}); err != nil {
		t.Fatal(err)
	}
	if _, err := steps.Profile(ctx, steps.ProfileRequest{Run: r, Data: []string{features(dir)}, Out: filepath.Join(dir, "p.json")}); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, task := range rec.tasks {
		names = append(names, task.name)
		if !task.ended || task.done != task.total || task.unit != progress.Bytes || task.total <= 0 {
			t.Errorf("task %q: %d of %d bytes, ended %v", task.name, task.done, task.total, task.ended)
		}
	}
	if len(names) < 2 || names[0] != "hashing model" || !strings.HasPrefix(names[len(names)-1], "reading ") {
		t.Errorf("tasks %q: want hashing the model, then reading the Parquet file", names)
	}
	if rec.tasks[0].total != int64(len("weights")+len("{}")) {
		t.Errorf("hashing counted %d bytes, want the model's %d", rec.tasks[0].total, len("weights")+len("{}"))
	}
}
