package report

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/mlgate/mlgate/internal/golden"
	"github.com/mlgate/mlgate/internal/testenv"
	"github.com/mlgate/mlgate/pkg/evidence"
)

// gateDocs is a promotion decision and a data validation with every kind of
// check outcome, and untrusted text where people put it.
func gateDocs() []*evidence.Document {
	tool := evidence.Tool{Name: "mlgate", Version: "v0.1.0"}
	start := time.Date(2026, 11, 25, 20, 0, 0, 0, time.UTC)
	gate := evidence.New(evidence.KindPromotionDecision, evidence.Subject{Name: "fraud-model"}, tool, start)
	gate.Add(evidence.Check{ID: "metric.accuracy", Status: evidence.StatusPass, Message: "0.93", Source: &evidence.Source{File: "gate.yaml", Line: 4, Column: 5}})
	gate.Add(evidence.Check{ID: "metric.latency_ms", Status: evidence.StatusFail, Severity: evidence.SeverityError,
		Message: "120 is above the maximum 100", Source: &evidence.Source{File: "gate.yaml", Line: 8, Column: 5},
		Location: &evidence.Location{File: "eval/metrics.json"}})
	gate.Add(evidence.Check{ID: "metric.auc", Status: evidence.StatusWarn, Severity: evidence.SeverityWarn,
		Message: "0.7 is below the minimum 0.8", Source: &evidence.Source{File: "gate.yaml", Line: 12, Column: 5}})
	gate.Add(evidence.Check{ID: "policy.mlgate.serialization.deny_pickle", Title: "No pickle-based model files", Status: evidence.StatusFail,
		Severity: evidence.SeverityError, Message: `weights <v1> & "old".pkl is a pickle-based format` + "\x01",
		Remediation: "Convert the weights to safetensors.", Source: &evidence.Source{File: "policies/serialization.rego", Line: 37, Column: 1}})
	gate.Add(evidence.Check{ID: "policy.custom.deny", Status: evidence.StatusError, Message: "data.custom.deny failed: eval_builtin_error",
		Source: &evidence.Source{File: "/abs/my policies/custom.rego", Line: 3}})
	gate.Details = evidence.PromotionDetails{Config: &evidence.FileRef{Path: "gate.yaml"}}
	gate.DurationMs = 42
	gate.Finish(start.Add(42 * time.Millisecond))
	dv := evidence.New(evidence.KindDataValidation, evidence.Subject{Name: "transactions", Files: []evidence.File{{Path: "data/part 0.parquet"}}}, tool, start)
	dv.Add(evidence.Check{ID: "column.amount.max", Status: evidence.StatusFail, Message: "max 1200000 exceeds 1000000",
		Location: &evidence.Location{File: "data/part 0.parquet", Column: "amount"}})
	dv.Add(evidence.Check{ID: "rows", Status: evidence.StatusWarn, Severity: evidence.SeverityWarn, Message: "few rows"})
	dv.Finish(start.Add(time.Second))
	return []*evidence.Document{gate, dv}
}

func TestSARIFGolden(t *testing.T) {
	out, err := SARIFIn(gateDocs(), "", "")
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "testdata/gate.sarif.golden", out)
}

// The log validates against the official SARIF 2.1.0 schema (as shipped in
// Microsoft's @microsoft/jest-sarif package).
func TestSARIFMatchesTheOfficialSchema(t *testing.T) {
	schemaPath := filepath.Join(testenv.NodeModule(t, "@microsoft/jest-sarif"), "lib", "schemas", "sarif-2.1.0-rtm.5.json")
	raw, err := os.ReadFile(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	schemaDoc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("sarif.json", schemaDoc); err != nil {
		t.Fatal(err)
	}
	schema, err := c.Compile("sarif.json")
	if err != nil {
		t.Fatal(err)
	}
	for name, docs := range map[string][]*evidence.Document{"gate": gateDocs(), "none": nil} {
		out, err := SARIFIn(docs, "", "")
		if err != nil {
			t.Fatal(err)
		}
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(out))
		if err != nil {
			t.Fatal(err)
		}
		if err := schema.Validate(inst); err != nil {
			t.Fatalf("%s: %v\n%s", name, err, out)
		}
	}
	// The schema is strict enough to catch a wrong level.
	out, _ := SARIFIn(gateDocs(), "", "")
	broken, _ := jsonschema.UnmarshalJSON(bytes.NewReader(bytes.Replace(out, []byte(`"level": "warning"`), []byte(`"level": "warn"`), 1)))
	if schema.Validate(broken) == nil {
		t.Fatal("the schema accepted level \"warn\"")
	}
}

// What GitHub code scanning needs beyond the schema: every result has a rule
// that exists, a level, a location with a URI and a line when it has a region.
func TestSARIFForCodeScanning(t *testing.T) {
	out, _ := SARIFIn(gateDocs(), "", "")
	var log struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Rules []struct{ ID string }
				}
			}
			Results []struct {
				RuleID    string
				RuleIndex int
				Level     string
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI, URIBaseID string }
						Region           *struct{ StartLine int }
					}
				}
			}
		}
	}
	if err := json.Unmarshal(out, &log); err != nil {
		t.Fatal(err)
	}
	run := log.Runs[0]
	if len(run.Results) != 6 {
		t.Fatalf("want the 6 checks that did not pass, got %d", len(run.Results))
	}
	for _, r := range run.Results {
		if run.Tool.Driver.Rules[r.RuleIndex].ID != r.RuleID {
			t.Errorf("result %s points at rule %d", r.RuleID, r.RuleIndex)
		}
		if r.Level != "error" && r.Level != "warning" {
			t.Errorf("%s: level %q", r.RuleID, r.Level)
		}
		if r.RuleID == "rows" {
			// no source and no location: the subject's first file
			if got := r.Locations[0].PhysicalLocation.ArtifactLocation.URI; got != "data/part%200.parquet" {
				t.Errorf("rows located at %q", got)
			}
			continue
		}
		loc := r.Locations[0].PhysicalLocation
		if loc.ArtifactLocation.URI == "" || (loc.Region != nil && loc.Region.StartLine < 1) {
			t.Errorf("%s: location %+v", r.RuleID, loc)
		}
	}
}

// TestSARIFStaysInTheRepository: code scanning places results only at files
// of the repository, so every location is relative to %SRCROOT% and never
// climbs out of it; library rules sit at the gate file that decided.
func TestSARIFStaysInTheRepository(t *testing.T) {
	docs := gateDocs()
	start := time.Date(2026, 11, 25, 20, 0, 0, 0, time.UTC)
	outside := evidence.New(evidence.KindDataValidation, evidence.Subject{Name: "x", Files: []evidence.File{{Path: "/tmp/runner/x.parquet"}}}, docs[0].Tool, start)
	outside.Add(evidence.Check{ID: "rows", Status: evidence.StatusFail, Message: "no rows", Location: &evidence.Location{File: "../other-repo/x.parquet"}})
	outside.Finish(start)
	out, err := SARIFIn(append(docs, outside), "", "")
	if err != nil {
		t.Fatal(err)
	}
	var log struct {
		Runs []struct {
			Results []struct {
				RuleID    string
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI, URIBaseID string }
						Region           *struct{ StartLine int }
					}
				}
			}
		}
	}
	if err := json.Unmarshal(out, &log); err != nil {
		t.Fatal(err)
	}
	placed := map[string]string{}
	for _, r := range log.Runs[0].Results {
		for _, l := range r.Locations {
			a := l.PhysicalLocation.ArtifactLocation
			if a.URIBaseID != "%SRCROOT%" || strings.Contains(a.URI, ":") || strings.HasPrefix(a.URI, "/") || strings.HasPrefix(a.URI, "..") {
				t.Errorf("%s is placed at %+v, outside the repository", r.RuleID, a)
			}
			placed[r.RuleID] = a.URI
		}
	}
	for id, want := range map[string]string{
		"policy.mlgate.serialization.deny_pickle": "gate.yaml", // the library rule: at the gate file
		"policy.custom.deny":                      "gate.yaml", // an absolute rule file: the same
		"metric.latency_ms":                       "gate.yaml",
		"column.amount.max":                       "data/part%200.parquet",
	} {
		if placed[id] != want {
			t.Errorf("%s placed at %q, want %q", id, placed[id], want)
		}
	}
}

// TestSARIFPathsFromTheRepositoryRoot: evidence paths are relative to where
// mlgate ran; SARIF's are relative to the repository root, and a file outside
// the repository is never a location.
func TestSARIFPathsFromTheRepositoryRoot(t *testing.T) {
	rp := repoPaths{root: "/repo", dir: "/repo/ml/project"}
	for in, want := range map[string]string{
		"gate.yaml":                   "ml/project/gate.yaml",
		"../../policies/x.rego":       "policies/x.rego",
		"/repo/data/a b.parquet":      "data/a b.parquet",
		"../../../elsewhere.yaml":     "",
		"/opt/mlgate/policies/x.rego": "",
		"s3://bucket/x.parquet":       "",
	} {
		if got := rp.path(in); got != want {
			t.Errorf("path(%q) = %q, want %q", in, got, want)
		}
	}
	if got := artifact("data/a b.parquet"); got.URI != "data/a%20b.parquet" || got.URIBaseID != "%SRCROOT%" {
		t.Errorf("artifact: %+v", got)
	}
	if root := RepoRoot(t.TempDir()); root != "" && !strings.HasPrefix(t.TempDir(), root) {
		t.Errorf("RepoRoot of a temp folder: %q", root)
	}
	wd, _ := os.Getwd()
	if root := RepoRoot(wd); root == "" || !strings.HasPrefix(wd, root) {
		t.Errorf("RepoRoot(%s) = %q, want this checkout", wd, root)
	}
}
