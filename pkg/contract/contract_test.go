package contract

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlgate/mlgate/internal/testenv"
)

var update = flag.Bool("update", false, "rewrite the golden .out files")

// golden compares got with the file, or rewrites it under -update.
func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs (run go test -update after checking the change):\n--- want\n%s\n--- got\n%s", path, want, got)
	}
}

func contractsDir(t *testing.T, sub string) string {
	return filepath.Join(testenv.RepoRoot(t), "testdata", "contracts", sub)
}

// TestExamples runs every testdata/contracts/examples/*.yaml against the
// fixture (1000 rows in 4 row groups) and compares the checks with *.out.
func TestExamples(t *testing.T) {
	dir := t.TempDir()
	writeFixture(t, dir, "transactions.parquet", fixtureRows(1000), 300)
	examples, _ := filepath.Glob(filepath.Join(contractsDir(t, "examples"), "*.yaml"))
	t.Chdir(dir) // file names in messages are then as a user would type them
	files := openAll(t, "transactions.parquet")
	if len(examples) == 0 {
		t.Fatal("no examples")
	}
	for _, ex := range examples {
		t.Run(filepath.Base(ex), func(t *testing.T) {
			data, err := os.ReadFile(ex)
			if err != nil {
				t.Fatal(err)
			}
			c, err := Parse(filepath.Base(ex), data)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, strings.TrimSuffix(ex, ".yaml")+".out", render(runContract(t, c, files), dir))
		})
	}
}

// TestContractErrors parses every testdata/contracts/errors/*.yaml and
// compares the error with *.out: each names file:line:column and the problem.
func TestContractErrors(t *testing.T) {
	errs, _ := filepath.Glob(filepath.Join(contractsDir(t, "errors"), "*.yaml"))
	if len(errs) == 0 {
		t.Fatal("no error examples")
	}
	for _, p := range errs {
		t.Run(filepath.Base(p), func(t *testing.T) {
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			_, err = Parse(filepath.Base(p), data)
			if err == nil {
				t.Fatal("the contract parsed without error")
			}
			golden(t, strings.TrimSuffix(p, ".yaml")+".out", err.Error()+"\n")
		})
	}
}

// FuzzParse feeds arbitrary YAML to the contract parser: it returns a
// contract or an *Error, never panics, and what it accepts round-trips
// through Marshal.
func FuzzParse(f *testing.F) {
	for _, dir := range []string{"examples", "errors"} {
		paths, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "contracts", dir, "*.yaml"))
		for _, p := range paths {
			data, _ := os.ReadFile(p)
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// Bounded: a call past 10s of wall time on a loaded machine takes the
		// fuzzing worker down.
		if len(data) > 64<<10 {
			t.Skip()
		}
		c, err := Parse("fuzz.yaml", data)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		again, err := Parse("fuzz.yaml", Marshal(c))
		if err != nil {
			t.Fatalf("Marshal output does not parse: %v\n%s", err, Marshal(c))
		}
		if string(Marshal(again)) != string(Marshal(c)) {
			t.Fatalf("round trip changed the contract:\n%s\n---\n%s", Marshal(c), Marshal(again))
		}
	})
}
