package contract

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"sync"
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
	// The ODCS standard's own examples, when the corpus is beside the clone.
	odcs, _ := filepath.Glob(filepath.Join("..", "..", "..", "shared", "corpora", "odcs", "docs", "examples", "*", "*.odcs.yaml"))
	for _, p := range odcs {
		data, _ := os.ReadFile(p)
		f.Add(data)
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

// TestPlanRunsAgainAndAtOnce: a plan is compiled once and its checks hold no
// findings, so a second run, and runs at the same time, report what the first
// did (failures, examples, the worst bound) rather than adding to it.
func TestPlanRunsAgainAndAtOnce(t *testing.T) {
	dir := t.TempDir()
	files := openAll(t, writeFixture(t, dir, "tx.parquet", fixtureRows(1000), 300))
	plan, err := Compile(parseString(t, "c.yaml", `columns:
  - {name: id, unique: true}
  - {name: amount, max: 2000, max_null_fraction: 0.001}
  - {name: country, allowed: [FR, DE, US]}
  - {name: email, pattern: '^user[0-9]+@example\.com$', max_length: 12}
`))
	if err != nil {
		t.Fatal(err)
	}
	want := render(runPlan(t, plan, files), dir)
	if !strings.Contains(want, "2500.5") || !strings.Contains(want, "not-an-email") {
		t.Fatalf("the fixture's failures are missing:\n%s", want)
	}
	got := make([]string, 4)
	var wg sync.WaitGroup
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := plan.Run(context.Background(), files, Options{})
			if err == nil {
				got[i] = render(res, dir)
			}
		}()
	}
	wg.Wait()
	for i, g := range got {
		if g != want {
			t.Fatalf("run %d differs from the first:\n%s\n---\n%s", i+2, g, want)
		}
	}
}
