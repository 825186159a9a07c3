package main

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go/format"

	"github.com/mlgate/mlgate/internal/benchgen"
	"github.com/mlgate/mlgate/internal/parquetbomb"
	"github.com/mlgate/mlgate/internal/testcorpus"
	"github.com/mlgate/mlgate/internal/testenv"
	"github.com/mlgate/mlgate/pkg/evidence"
)

// corpusBad lists the corpus files mlgate must refuse, by category, with the
// text the error must contain. Every other file must infer and validate.
var corpusBad = map[string]struct{ category, want string }{
	// Malformed files that parquet-go rejects too; mlgate names the problem.
	"bad_data/ARROW-GH-41317.parquet":              {"malformed", "INDEX_PAGE"},
	"bad_data/ARROW-GH-41321.parquet":              {"malformed", "definition levels"},
	"bad_data/ARROW-RS-GH-6229-DICTHEADER.parquet": {"malformed", "outside the file"},
	"bad_data/ARROW-RS-GH-6229-LEVELS.parquet":     {"malformed", "page headers count 21 values"},
	"data/nation.dict-malformed.parquet":           {"malformed", "runs past the end of the chunk"},
	"data/datapage_v1-corrupt-checksum.parquet":    {"malformed", "crc32 checksum mismatch"},
	// parquet-go does not check the dictionary page's CRC on this path; mlgate does.
	"data/rle-dict-uncompressed-corrupt-checksum.parquet": {"malformed", "dictionary page CRC mismatch"},
	// parquet-go returns wrong data without an error; mlgate catches each.
	"bad_data/ARROW-GH-45185.parquet": {"silently-wrong", "repetition level is 1, not 0"},
	"bad_data/ARROW-GH-47662.parquet": {"silently-wrong", "nulls in a REQUIRED column"},
	"bad_data/PARQUET-1481.parquet":   {"silently-wrong", "invalid physical type"},
	// Valid files parquet-go v0.32.0 cannot read (library gaps and bugs).
	"data/hadoop_lz4_compressed.parquet":        {"unsupported", "unsupported compression codec: LZ4"},
	"data/hadoop_lz4_compressed_larger.parquet": {"unsupported", "unsupported compression codec: LZ4"},
	"data/non_hadoop_lz4_compressed.parquet":    {"unsupported", "unsupported compression codec: LZ4"},
	// Two 1 GiB values: refused by the page size limit rather than using 2 GB,
	// naming the flag that reads them.
	"data/large_string_map.brotli.parquet": {"limit", "exceeds the 256 MiB page size limit (the file may be valid: --max-page-size 1025 reads this page)"},
}

func TestValidateCorpus(t *testing.T) {
	root, files := testcorpus.ParquetTesting(t)
	if len(files) < 80 {
		t.Fatalf("only %d corpus files", len(files))
	}
	empty := filepath.Join(t.TempDir(), "empty.yaml")
	os.WriteFile(empty, []byte("apiVersion: mlgate.dev/v1\nkind: DataContract\ncolumns: []\n"), 0o644)
	for _, rel := range files {
		t.Run(rel, func(t *testing.T) {
			path := filepath.Join(root, rel)
			dir := t.TempDir()
			contractPath := filepath.Join(dir, "contract.yaml")
			infer := runCLI(t, nil, "contract", "infer", "--contract-out", contractPath, path)
			bad, isBad := corpusBad[rel]
			if !isBad {
				infer.wantCode(t, 0)
				out := filepath.Join(dir, "validation.json")
				v := runCLI(t, nil, "validate", "--contract", contractPath, "--verify-all", "--out", out, path)
				v.wantCode(t, 0)
				if doc := readEvidence(t, out); doc.Kind != evidence.KindDataValidation {
					t.Fatalf("kind %s", doc.Kind)
				}
				return
			}
			infer.wantCode(t, 2)
			if !strings.Contains(infer.stderr, path) || !strings.Contains(infer.stderr, bad.want) {
				t.Fatalf("%s: infer stderr should name the file and say %q:\n%s", bad.category, bad.want, infer.stderr)
			}
			out := filepath.Join(dir, "validation.json")
			v := runCLI(t, nil, "validate", "--contract", empty, "--verify-all", "--out", out, path)
			v.wantCode(t, 2)
			doc := readEvidence(t, out)
			if doc.Status != evidence.StatusError || !strings.Contains(doc.Summary, bad.want) {
				t.Fatalf("%s: evidence %s %q does not report %q", bad.category, doc.Status, doc.Summary, bad.want)
			}
		})
	}
	for rel := range corpusBad {
		if _, err := os.Stat(filepath.Join(root, rel)); err != nil {
			t.Errorf("listed corpus file %s is missing", rel)
		}
	}
}

// writeTable writes a benchgen table and returns its path.
func writeTable(t *testing.T, dir, name string, rows, rowGroup int, seed uint64) string {
	t.Helper()
	p := filepath.Join(dir, name)
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := benchgen.Write(f, rows, rowGroup, seed); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return p
}

const failingContract = `apiVersion: mlgate.dev/v1
kind: DataContract
metadata:
  name: features
columns:
  - name: id
    unique: true
  - name: age
    nullable: false
    max: 60
  - name: country
    allowed: [FR, DE, US]
  - name: device
    allowed: [android, ios, web, tv]
`

func TestValidateFailingChecksInActions(t *testing.T) {
	dir := t.TempDir()
	data := writeTable(t, dir, "features.parquet", 3000, 1000, 7)
	contractPath := filepath.Join(dir, "contract.yaml")
	os.WriteFile(contractPath, []byte(failingContract), 0o644)
	env := actionsEnv(t)
	out := filepath.Join(dir, "validation.json")
	r := runCLI(t, env, "validate", "--contract", contractPath, "--out", out, data)
	r.wantCode(t, 1)
	doc := readEvidence(t, out)
	if doc.Subject.Name != "features" || len(doc.Subject.Files) != 1 {
		t.Fatalf("subject %+v", doc.Subject)
	}
	byID := map[string]evidence.Check{}
	for _, c := range doc.Checks {
		byID[c.ID] = c
	}
	for id, want := range map[string]evidence.Status{
		"column.id.unique": evidence.StatusPass, "column.age.nullable": evidence.StatusFail, "column.age.max": evidence.StatusFail,
		"column.country.allowed": evidence.StatusFail, "column.device.allowed": evidence.StatusPass,
	} {
		c, ok := byID[id]
		if !ok || c.Status != want {
			t.Errorf("%s: status %q, want %q (%s)", id, c.Status, want, c.Message)
		}
	}
	age := byID["column.age.max"]
	if age.Failures == 0 || age.Total == 0 || len(age.Examples) == 0 || age.Source == nil || age.Source.Line != 10 || age.DecidedBy != "scan" {
		t.Fatalf("age.max lacks counts, examples or source: %+v", age)
	}
	if obs, ok := age.Observed.(map[string]any); !ok || obs["max"].(float64) <= 60 || !strings.Contains(age.Message, "the largest") {
		t.Fatalf("age.max observed %v, message %q", age.Observed, age.Message)
	}
	for _, ex := range age.Examples {
		if v, ok := ex.Value.(float64); !ok || v <= 60 || ex.File != data {
			t.Fatalf("example %+v is not a failing age in %s", ex, data)
		}
	}
	if byID["column.device.allowed"].DecidedBy != "dictionary" {
		t.Errorf("device.allowed decided by %s, want dictionary", byID["column.device.allowed"].DecidedBy)
	}
	// In Actions, failed checks are annotated at the contract line.
	if !strings.Contains(r.stdout, "file="+contractPath+",line=10,title=column.age.max::") {
		t.Errorf("no annotation at the age max rule:\n%s", r.stdout)
	}
	outputs, _ := os.ReadFile(env["GITHUB_OUTPUT"])
	for _, want := range []string{"status", "fail", "evidence", out, "failures", "rows", "3000"} {
		if !strings.Contains(string(outputs), want) {
			t.Errorf("step outputs lack %q:\n%s", want, outputs)
		}
	}
	if summary, _ := os.ReadFile(env["GITHUB_STEP_SUMMARY"]); !strings.Contains(string(summary), "column.age.max") {
		t.Errorf("job summary lacks the failed check:\n%s", summary)
	}
}

func TestValidateDatasetOfSeveralFiles(t *testing.T) {
	dir := t.TempDir()
	// The same seed twice: every id appears in both files.
	writeTable(t, dir, "part-0.parquet", 500, 200, 1)
	writeTable(t, dir, "part-1.parquet", 500, 200, 1)
	contractPath := filepath.Join(dir, "contract.yaml")
	os.WriteFile(contractPath, []byte("apiVersion: mlgate.dev/v1\nkind: DataContract\ndataset:\n  rows: {min: 1000}\ncolumns:\n  - name: id\n    unique: true\n"), 0o644)
	out := filepath.Join(dir, "v.json")
	r := runCLI(t, nil, "validate", "-c", contractPath, "-o", out, filepath.Join(dir, "part-*.parquet"))
	r.wantCode(t, 1)
	doc := readEvidence(t, out)
	var d evidence.ValidationDetails
	if err := doc.DetailsAs(&d); err != nil || d.Rows != 1000 {
		t.Fatalf("details %+v, %v", d, err)
	}
	for _, c := range doc.Checks {
		if c.ID == "column.id.unique" {
			if c.Failures != 500 || c.Total != 1000 || len(c.Examples) == 0 || !strings.HasSuffix(c.Examples[0].File, "part-1.parquet") || c.Examples[0].Row != 0 {
				t.Fatalf("unique across files: %+v", c)
			}
			return
		}
	}
	t.Fatal("no unique check")
}

func TestValidateInferredContractPasses(t *testing.T) {
	dir := t.TempDir()
	data := writeTable(t, dir, "features.parquet", 5000, 2000, 3)
	contractPath := filepath.Join(dir, "contract.yaml")
	runCLI(t, nil, "contract", "infer", "--name", "features", "--contract-out", contractPath, data).wantCode(t, 0)
	got, _ := os.ReadFile(contractPath)
	for _, want := range []string{"name: features", "name: id", "unique: true", "allowed: [android, ios, tv, web]", "type: \"timestamp(us, utc)\""} {
		if !strings.Contains(string(got), want) {
			t.Errorf("inferred contract lacks %q:\n%s", want, got)
		}
	}
	runCLI(t, nil, "validate", "--contract", contractPath, data).wantCode(t, 0)
}

func TestValidateBadContractIsExit2(t *testing.T) {
	dir := t.TempDir()
	data := writeTable(t, dir, "f.parquet", 10, 10, 1)
	contractPath := filepath.Join(dir, "contract.yaml")
	os.WriteFile(contractPath, []byte("apiVersion: mlgate.dev/v1\nkind: DataContract\ncolumns:\n  - name: id\n    mni: 3\n"), 0o644)
	r := runCLI(t, nil, "validate", "--contract", contractPath, data)
	r.wantCode(t, 2)
	if !strings.Contains(r.stderr, contractPath+":5:5: column: unknown key \"mni\" (did you mean \"min\"?)") {
		t.Fatalf("stderr %q", r.stderr)
	}
}

// A contract with no rule (empty, or columns: []) would pass any data as
// "0 of 0 checks": validate refuses it, naming the file, and writes no
// passing evidence.
func TestValidateRefusesAnEmptyContract(t *testing.T) {
	dir := t.TempDir()
	data := writeTable(t, dir, "f.parquet", 10, 10, 1)
	for _, body := range []string{"", "columns: []\n", "metadata: {name: orders}\ndataset: {}\n"} {
		c := writeContract(t, dir, "empty.yaml", body)
		out := filepath.Join(dir, "validation.json")
		r := runCLI(t, nil, "validate", "--contract", c, "--out", out, data)
		r.wantCode(t, 2)
		if !strings.Contains(r.stderr, "contract "+c+" has no rule to check") {
			t.Errorf("%q: stderr %q", body, r.stderr)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("%q: evidence written for an empty contract", body)
		}
	}
}

func TestValidateRefusesToOverwriteInputs(t *testing.T) {
	dir := t.TempDir()
	data := writeTable(t, dir, "f.parquet", 10, 10, 1)
	before, _ := os.ReadFile(data)
	contractPath := filepath.Join(dir, "contract.yaml")
	os.WriteFile(contractPath, []byte("apiVersion: mlgate.dev/v1\nkind: DataContract\ncolumns: []\n"), 0o644)
	runCLI(t, nil, "validate", "--contract", contractPath, "--out", data, data).wantCode(t, 2)
	runCLI(t, nil, "contract", "infer", "--contract-out", data, data).wantCode(t, 2)
	if after, _ := os.ReadFile(data); string(after) != string(before) {
		t.Fatal("the data file was overwritten")
	}
}

func TestValidateMissingFileIsExit2(t *testing.T) {
	r := runCLI(t, nil, "validate", "--contract", "nope.yaml", "nope.parquet")
	r.wantCode(t, 2)
	if !strings.Contains(r.stderr, "nope.parquet") {
		t.Fatalf("stderr %q", r.stderr)
	}
}

// TestFeaturesContractMatchesGeneratedData keeps testdata/contracts/features.yaml
// (used by the demo) true of what internal/benchgen writes.
func TestFeaturesContractMatchesGeneratedData(t *testing.T) {
	dir := t.TempDir()
	data := writeTable(t, dir, "features.parquet", 20000, 5000, 42)
	out := filepath.Join(dir, "v.json")
	contractPath := filepath.Join(testenv.RepoRoot(t), "testdata", "contracts", "features.yaml")
	runCLI(t, nil, "validate", "--contract", contractPath, "--out", out, data).wantCode(t, 0)
	doc := readEvidence(t, out)
	var d evidence.ValidationDetails
	if err := doc.DetailsAs(&d); err != nil {
		t.Fatal(err)
	}
	if doc.Status != evidence.StatusPass || d.Rows != 20000 || d.DecidedBy["metadata"] == 0 || d.DecidedBy["dictionary"] == 0 || d.DecidedBy["scan"] == 0 {
		t.Fatalf("status %s, details %+v: every tier should take part", doc.Status, d)
	}
}

// --digest records each file's SHA-256 in the evidence subject.
func TestValidateDigestRecordsFileHashes(t *testing.T) {
	dir := t.TempDir()
	data := writeTable(t, dir, "f.parquet", 50, 50, 3)
	contractPath := filepath.Join(dir, "contract.yaml")
	os.WriteFile(contractPath, []byte("apiVersion: mlgate.dev/v1\nkind: DataContract\ncolumns:\n  - name: id\n"), 0o644)
	out := filepath.Join(dir, "ev.json")
	runCLI(t, nil, "validate", "--digest", "--contract", contractPath, "--out", out, data).wantCode(t, 0)
	raw, err := os.ReadFile(data)
	if err != nil {
		t.Fatal(err)
	}
	want := sha256.Sum256(raw)
	doc := readEvidence(t, out)
	if len(doc.Subject.Files) != 1 || doc.Subject.Files[0].Digest["sha256"] != hex.EncodeToString(want[:]) {
		t.Fatalf("subject files %+v, want sha256 %x", doc.Subject.Files, want)
	}
}

// Hostile files are refused with exit 2 and a file.integrity check naming
// the file and the problem (the memory bound is tested in pkg/parquetx).
func TestValidateRefusesBombs(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.yaml")
	os.WriteFile(empty, []byte("apiVersion: mlgate.dev/v1\nkind: DataContract\ncolumns: []\n"), 0o644)
	for name, tc := range map[string]struct {
		data []byte
		want string
	}{
		"deep.parquet": {parquetbomb.DeepSchema(60000), "schema nests 60000 levels deep, more than 64"},
		"zstd.parquet": {parquetbomb.Page(format.Zstd, 1024, parquetbomb.ZstdRLE(1<<30)), "decompresses to more than the 4096 bytes its header declares"},
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, name)
			os.WriteFile(path, tc.data, 0o644)
			out := filepath.Join(dir, name+".json")
			r := runCLI(t, nil, "validate", "--contract", empty, "--verify-all", "--out", out, path)
			r.wantCode(t, 2)
			doc := readEvidence(t, out)
			var found bool
			for _, c := range doc.Checks {
				if c.ID == "file.integrity" && c.Status == evidence.StatusError && strings.Contains(c.Message, path+": ") && strings.Contains(c.Message, tc.want) {
					found = true
				}
			}
			if !found {
				t.Fatalf("no file.integrity error naming %s and saying %q: %+v", path, tc.want, doc.Checks)
			}
		})
	}
}
