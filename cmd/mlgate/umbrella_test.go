package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlgate/mlgate/internal/testenv"
)

// TestUmbrellaFilesComeAfterDoubleDash: a line of the files input that looks
// like a flag reaches mlgate after "--", where it can only be a path.
func TestUmbrellaFilesComeAfterDoubleDash(t *testing.T) {
	var script string
	for _, s := range testenv.ReadAction(t, filepath.Join(testenv.RepoRoot(t), "action.yml")).Runs.Steps {
		if s.ID == "run" {
			script = s.Run
		}
	}
	if script == "" {
		t.Fatal("action.yml has no run step")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "mlgate")
	os.WriteFile(bin, []byte("#!/usr/bin/env bash\nprintf '%s\\n' \"$@\"\n"), 0o755)
	cmd := exec.Command("bash", "-e", "-c", script)
	cmd.Env = append(os.Environ(), "MLGATE_BIN="+bin, "MLGATE_COMMAND=validate",
		"MLGATE_ARGS=--contract\nc.yaml", "MLGATE_FILES=data/a b.parquet\n--contract=other.yaml\n")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	want := "validate\n--contract\nc.yaml\n--\ndata/a b.parquet\n--contract=other.yaml\n"
	if string(out) != want {
		t.Fatalf("mlgate got\n%s\nwant\n%s", out, want)
	}
	// Without files nothing is added.
	cmd = exec.Command("bash", "-e", "-c", script)
	cmd.Env = append(os.Environ(), "MLGATE_BIN="+bin, "MLGATE_COMMAND=version", "MLGATE_ARGS=", "MLGATE_FILES=")
	out, err = cmd.CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "version" {
		t.Fatalf("without files: %v %q", err, out)
	}
}
