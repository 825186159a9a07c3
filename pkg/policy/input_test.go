package policy

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestLoadModelCard(t *testing.T) {
	card := "---\nmodel_name: fraud\nlicense: mit\ntags: [a, b]\ndate: 2026-01-02\n---\n# Fraud\n\n## Intended use ##\n\n```md\n# not a heading\n```\n#hashtag\n####### too deep\n### Training data\n"
	var m Model
	if err := m.parseModelCard("README.md", []byte(card)); err != nil {
		t.Fatal(err)
	}
	if m.Name != "fraud" || m.Metadata["license"] != "mit" || m.Card != "README.md" {
		t.Fatalf("%+v", m)
	}
	if want := []string{"Fraud", "Intended use", "Training data"}; !reflect.DeepEqual(m.Sections, want) {
		t.Fatalf("sections %q, want %q", m.Sections, want)
	}
	// A YAML timestamp reaches policies as a string (input is JSON).
	if _, ok := m.Metadata["date"].(string); !ok {
		t.Fatalf("date is %T", m.Metadata["date"])
	}
}

func TestLoadModelCardErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "README.md")
	os.WriteFile(bad, []byte("---\nlicense: [mit\n---\n# x\n"), 0o644)
	var m Model
	if err := m.LoadModelCard(bad); err == nil || !strings.HasPrefix(err.Error(), bad+":2:") || !strings.Contains(err.Error(), "front matter: ") {
		t.Fatalf("error %v", err)
	}
	meta := filepath.Join(dir, "meta.yaml")
	os.WriteFile(meta, []byte("- a list, not a mapping\n"), 0o644)
	if err := m.LoadModelCard(meta); err == nil || !strings.Contains(err.Error(), meta) {
		t.Fatalf("error %v", err)
	}
	if err := m.LoadModelCard(filepath.Join(dir, "absent.md")); err == nil {
		t.Fatal("no error for a missing card")
	}
}

func TestListModelFiles(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "m", "sub"), 0o755)
	os.MkdirAll(filepath.Join(dir, "m", ".git"), 0o755)
	os.WriteFile(filepath.Join(dir, "m", "b.onnx"), []byte("12"), 0o644)
	os.WriteFile(filepath.Join(dir, "m", "sub", "a.pkl"), []byte("1"), 0o644)
	os.WriteFile(filepath.Join(dir, "m", ".git", "HEAD"), []byte("x"), 0o644)
	var m Model
	if err := m.ListModelFiles(filepath.Join(dir, "m")); err != nil {
		t.Fatal(err)
	}
	// Hidden folders are listed: Python loads a pickle from .git as readily.
	if want := []ModelFile{{Path: ".git/HEAD", Size: 1, Format: FormatOther}, {Path: "b.onnx", Size: 2, Format: FormatOther}, {Path: "sub/a.pkl", Size: 1, Format: FormatOther}}; !reflect.DeepEqual(m.Files, want) || m.Name != "m" {
		t.Fatalf("files %+v name %q", m.Files, m.Name)
	}
}

// FuzzModelCard: any card content parses or errors, never panics, and what it
// yields can always become policy input.
func FuzzModelCard(f *testing.F) {
	f.Add([]byte("---\nlicense: mit\n---\n# Title\n## Limitations\n"))
	f.Add([]byte("---\n&a [*a]\n---\n"))
	f.Add([]byte("# only markdown\n```\n# code\n```\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		// Bounded: a call past 10s of wall time on a loaded machine takes the
		// fuzzing worker down.
		if len(data) > 64<<10 {
			t.Skip()
		}
		var m Model
		if err := m.parseModelCard("README.md", data); err != nil {
			return
		}
		in := NewInput()
		in.Model = m
		if _, err := ParseInput(in); err != nil {
			t.Fatalf("parsed card is not valid input: %v", err)
		}
	})
}
