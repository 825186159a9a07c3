package main

import (
	"encoding/json"
	"maps"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/mlgate/mlgate/internal/runnercmd"
	"github.com/mlgate/mlgate/internal/sigstoretest"
	"github.com/mlgate/mlgate/pkg/contract"
	"github.com/mlgate/mlgate/pkg/evidence"
)

// hostileNames are column names that spell workflow commands once printed
// raw: the log attacks plus names that start a new line with one.
var hostileNames = append([]string{
	"a\n::set-env name=NODE_OPTIONS::--require /tmp/x",
	"b\n::add-mask::ghs_secret_token",
	"c\n::stop-commands::tok",
	"d#\ufe0f#[set-output name=x;]y",
}, logAttacks...)

// hostileTable writes a Parquet file with a column for each hostile name.
func hostileTable(t *testing.T, path string) {
	t.Helper()
	var cols []pqColumn
	for i, n := range hostileNames {
		cols = append(cols, pqColumn{n, parquet.Leaf(parquet.DoubleType), func(r int) any { return float64(r * (i + 1)) }})
	}
	writeParquet(t, path, 50, 50, cols)
}

// contract infer prints the contract into the step log: the runner finds no
// command in it, and it is still exactly the contract (the YAML spells no
// command, so the safe path changes nothing), column names intact.
func TestContractInferStdoutIsRunnerSafe(t *testing.T) {
	data := filepath.Join(t.TempDir(), "d.parquet")
	hostileTable(t, data)
	r := runCLI(t, tokenEnv(t), "contract", "infer", data)
	r.wantCode(t, 0)
	checkOwnCommandsOnly(t, r.stdout+r.stderr)
	plain := runCLI(t, nil, "contract", "infer", data)
	plain.wantCode(t, 0)
	if r.stdout != plain.stdout {
		t.Fatalf("the contract printed in Actions differs from the one outside:\n%s\n---\n%s", r.stdout, plain.stdout)
	}
	c, err := contract.Parse("stdout", []byte(r.stdout))
	if err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	got := map[string]bool{}
	for _, col := range c.Columns {
		got[col.Name] = true
	}
	for _, n := range hostileNames {
		if !got[n] {
			t.Errorf("column %q lost or changed in the printed contract:\n%s", n, r.stdout)
		}
	}
}

// stdoutCase is one command run with an output on "-".
type stdoutCase struct {
	name string
	env  map[string]string
	args []string
	code int
	json bool // stdout is JSON (else markdown or YAML)
}

// stdoutCases sets up every command that takes --out (or --evidence) with
// hostile text in what it reads, so the JSON carries "##[" and friends.
func stdoutCases(t *testing.T) []stdoutCase {
	dir := t.TempDir()
	data := filepath.Join(dir, "d.parquet")
	dataset(t, data, 1, 300, 100, 0, false)
	ref := filepath.Join(dir, "ref.parquet")
	dataset(t, ref, 2, 300, 100, 0, false)
	var cols strings.Builder
	for _, n := range hostileNames {
		cols.WriteString("  - name: " + jsonQuote(n) + "\n")
	}
	hostile := writeContract(t, dir, "hostile.yaml", "columns:\n"+cols.String())
	small := writeContract(t, dir, "small.yaml", "columns:\n  - name: amount\n")
	key, pub := testKey(t)
	model := writeModel(t)
	signEnv := keyEnv()
	signEnv["GITHUB_SHA"], signEnv["GITHUB_REPOSITORY"] = sigstoretest.SHA, sigstoretest.Repository
	runCLI(t, keyEnv(), "sign", "--key", key, model).wantCode(t, 0)
	gr, decision := gateModel(t, model, "--evidence", upstream(t, nil)[0])
	gr.wantCode(t, 0)
	metrics := filepath.Join(dir, "metrics.json")
	appendTo(t, metrics, `{"auc": 0.91}`)
	return []stdoutCase{
		{"validate", nil, []string{"validate", "--contract", hostile, "--out", "-", data}, 1, true},
		{"contract diff", nil, []string{"contract", "diff", "--out", "-", hostile, small}, 1, true},
		{"contract infer", nil, []string{"contract", "infer", "--contract-out", "-", data}, 0, false},
		{"drift", nil, []string{"drift", "--reference", ref, "--out", "-", data}, -1, true},
		{"profile --profile-out", nil, []string{"profile", "--profile-out", "-", data}, 0, true},
		{"profile --evidence", nil, []string{"profile", "--evidence", "-", data}, 0, true},
		{"gate", nil, gateArgs("metrics.json", upstream(t, nil), "--out", "-"), 1, true},
		{"sign", keyEnv(), []string{"sign", "--key", key, "--bundle", filepath.Join(dir, "b.sig"), "--overwrite", "--out", "-", model}, 0, true},
		{"verify", nil, []string{"verify", "--key", pub, "--out", "-", model}, 0, true},
		{"attest", signEnv, []string{"attest", "--key", key, "--decision", decision, "--metrics", metrics,
			"--bundle", filepath.Join(dir, "p.sigstore.json"), "--overwrite", "--out", "-", model}, 0, true},
		{"report", nil, append([]string{"report", "--format", "markdown", "--report-out", "-"}, writeReportEvidence(t, true)...), 1, false},
	}
}

// --out - : stdout carries the output alone (jq reads the JSON), and the
// summary, annotations and masks go to stderr; in Actions the output passes
// the safe path too and keeps its value.
func TestDashOutStdoutCarriesOnlyTheOutput(t *testing.T) {
	for _, c := range stdoutCases(t) {
		t.Run(c.name, func(t *testing.T) {
			var outputs []string
			for _, inActions := range []bool{false, true} {
				env := maps.Clone(c.env)
				if env == nil {
					env = map[string]string{}
				}
				if inActions {
					maps.Copy(env, tokenEnv(t))
				}
				r := runCLI(t, env, c.args...)
				if c.code >= 0 {
					r.wantCode(t, c.code)
				} else if r.code == 2 {
					r.wantCode(t, 0)
				}
				if cmds := runnercmd.Commands(r.stdout); inActions && len(cmds) > 0 {
					t.Fatalf("stdout holds workflow commands %+v:\n%s", cmds, r.stdout)
				}
				if inActions {
					checkOwnCommandsOnly(t, r.stdout+r.stderr)
				}
				if r.stderr == "" && c.json {
					t.Fatal("no human summary on stderr")
				}
				if inActions && r.code == 1 && c.name != "report" && !strings.Contains(r.stderr, "::error ") {
					t.Fatalf("failed checks are not annotated on stderr:\n%s", r.stderr)
				}
				out := r.stdout
				if c.json {
					out = jq(t, r.stdout)
					var doc map[string]any
					json.Unmarshal([]byte(r.stdout), &doc)
					if kind, _ := doc["kind"].(string); kind == "" {
						t.Fatalf("stdout is not an mlgate document:\n%s", r.stdout)
					}
					if _, ok := doc["checks"]; ok {
						if err := evidence.ValidateSchema([]byte(r.stdout)); err != nil {
							t.Fatalf("stdout is not valid evidence: %v\n%s", err, r.stdout)
						}
					}
				}
				outputs = append(outputs, stripVolatile(out))
			}
			if c.json && outputs[0] != outputs[1] {
				t.Fatalf("the JSON's value changed in Actions:\n%s\n---\n%s", outputs[0], outputs[1])
			}
		})
	}
}

// jq parses stdout with the real jq and returns its canonical form.
func jq(t *testing.T, stdout string) string {
	t.Helper()
	if _, err := exec.LookPath("jq"); err != nil {
		t.Skip("jq is not installed")
	}
	cmd := exec.Command("jq", "-S", "-c", ".")
	cmd.Stdin = strings.NewReader(stdout)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("jq cannot read stdout (%v):\n%s", err, stdout)
	}
	return string(out)
}

// stripVolatile drops what differs between two runs (times, durations, signatures).
func stripVolatile(s string) string {
	var v any
	if json.Unmarshal([]byte(s), &v) != nil {
		return s
	}
	var walk func(any) any
	walk = func(v any) any {
		switch x := v.(type) {
		case map[string]any:
			for k := range x {
				switch k {
				case "startedAt", "finishedAt", "durationMs", "createdAt", "signature", "bundle", "timestamp":
					delete(x, k)
				default:
					x[k] = walk(x[k])
				}
			}
		case []any:
			for i := range x {
				x[i] = walk(x[i])
			}
		}
		return v
	}
	b, _ := json.Marshal(walk(v))
	return string(b)
}
