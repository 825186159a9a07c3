package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlgate/mlgate/internal/tabletest"
	"github.com/mlgate/mlgate/internal/testenv"
	"github.com/mlgate/mlgate/pkg/evidence"
	"github.com/mlgate/mlgate/pkg/signing"
)

// TestTableLineageChain: an incremental validation of a Delta table binds
// to the table (its current live files) at the gate together with the
// validation of the version before it, never alone (it ran every rule only
// on the added data) and not to an older version; attest --dataset TABLE
// signs the table version, its digest the one coreutils' sha256sum gives
// over the live files' sha256sum lines.
func TestTableLineageChain(t *testing.T) {
	d := tabletest.NewDelta(t, t.TempDir())
	v1, _ := d.Commit(t, []int64{1, 2, 3}, []int64{4, 5})
	v2, _ := d.Commit(t, []int64{6, 7})
	contract := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(contract, []byte("apiVersion: mlgate.dev/v1\nkind: DataContract\ndataset:\n  rows: {min: 5}\ncolumns:\n  - name: id\n    min: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	before := filepath.Join(t.TempDir(), "v1.json")
	runCLI(t, nil, "validate", "--digest", "--contract", contract, "--out", before, fmt.Sprintf("%s@%d", d.Dir, v1)).wantCode(t, 0)
	validation := filepath.Join(t.TempDir(), "v.json")
	runCLI(t, nil, "validate", "--digest", "--since", fmt.Sprint(v1), "--contract", contract, "--out", validation, d.Dir).wantCode(t, 0)
	doc := readEvidence(t, validation)
	if len(doc.Subject.Files) != 3 || doc.Subject.Files[0].Table == nil || doc.Subject.Files[0].Table.Version != v2 {
		t.Fatalf("subject %+v", doc.Subject.Files)
	}

	key, pub := testKey(t)
	model := writeModel(t)
	r, alone := gateModel(t, model, "--evidence", validation, "--dataset", d.Dir)
	r.wantCode(t, 1)
	if c := check(t, readEvidence(t, alone), "evidence.subject"); c.Status != evidence.StatusFail || !strings.Contains(c.Message, "no other evidence given validated the 2 files live before") {
		t.Fatalf("an incremental validation alone: %+v", c)
	}
	r, decision := gateModel(t, model, "--evidence", before, "--evidence", validation, "--dataset", d.Dir)
	r.wantCode(t, 0)
	var subject []evidence.Check
	for _, c := range readEvidence(t, decision).Checks {
		if c.ID == "evidence.subject" {
			subject = append(subject, c)
		}
	}
	if len(subject) != 2 || subject[0].Status != evidence.StatusPass || subject[1].Status != evidence.StatusPass {
		t.Fatalf("binding the validations of version %d and since it to the table: %+v", v1, subject)
	}
	r, old := gateModel(t, model, "--evidence", validation, "--dataset", fmt.Sprintf("%s@%d", d.Dir, v1))
	r.wantCode(t, 1)
	if c := check(t, readEvidence(t, old), "evidence.subject"); c.Status != evidence.StatusFail || !strings.Contains(c.Message, "not the dataset given") {
		t.Fatalf("binding to version %d: %+v", v1, c)
	}

	bundle := filepath.Join(t.TempDir(), "promotion.sigstore.json")
	runCLI(t, keyEnv(), "attest", "--key", key, "--decision", decision, "--bundle", bundle, "--dataset", d.Dir, model).wantCode(t, 0)
	data, err := signing.ReadBundle(bundle)
	if err != nil {
		t.Fatal(err)
	}
	pk, err := signing.LoadPublicKey(context.Background(), pub)
	if err != nil {
		t.Fatal(err)
	}
	sv, err := signing.VerifyBundle(data, signing.Trust{PublicKey: pk}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Predicate struct {
			MLGate struct {
				Lineage signing.Lineage `json:"lineage"`
			} `json:"mlgate"`
		} `json:"predicate"`
	}
	if err := json.Unmarshal(sv.Payload, &st); err != nil {
		t.Fatal(err)
	}
	ds := st.Predicate.MLGate.Lineage.Datasets
	if len(ds) != 4 {
		t.Fatalf("datasets %+v", ds)
	}
	cmd := exec.Command("sh", "-c", "sha256sum part-00000.parquet part-00001.parquet part-00002.parquet | sha256sum")
	cmd.Dir = d.Dir
	out, err := cmd.Output()
	if err != nil {
		t.Skipf("sha256sum: %v", err)
	}
	want := strings.Fields(string(out))[0]
	tv := ds[0]
	if tv.Digest["sha256"] != want || tv.URI != fmt.Sprintf("%s@%d", d.Dir, v2) || tv.Annotations["tableVersion"] != float64(v2) || tv.Annotations["tableFormat"] != "delta" {
		t.Fatalf("table version ref %+v, want digest %s", tv, want)
	}
}

// A table of an Iceberg SQL catalog validates through the CLI by its
// catalog reference, and its evidence names the snapshot the catalog's
// current metadata points at; --since on plain Parquet files is refused.
func TestSQLCatalogCLI(t *testing.T) {
	db := filepath.Join(testenv.Shared(t, "corpora", "iceberg", "tables", "null_stats"), "pyiceberg_catalog.db")
	ref := "sqlite:" + db + "#default.test_nulls"
	tmp := t.TempDir()
	contract, out := filepath.Join(tmp, "c.yaml"), filepath.Join(tmp, "v.json")
	runCLI(t, nil, "contract", "infer", "--contract-out", contract, ref).wantCode(t, 0)
	runCLI(t, nil, "validate", "--contract", contract, "--out", out, ref).wantCode(t, 0)
	doc := readEvidence(t, out)
	if len(doc.Subject.Files) == 0 {
		t.Fatal("no files")
	}
	for _, f := range doc.Subject.Files {
		if f.Table == nil || f.Table.Format != "iceberg" || !strings.HasPrefix(f.Path, filepath.Dir(db)) {
			t.Fatalf("%s: table %+v", f.Path, f.Table)
		}
	}
	r := runCLI(t, nil, "validate", "--since", "0", "--contract", contract, doc.Subject.Files[0].Path)
	r.wantCode(t, 2)
	if !strings.Contains(r.stderr, "is not one") {
		t.Errorf("--since on a file: %s", r.stderr)
	}
}
