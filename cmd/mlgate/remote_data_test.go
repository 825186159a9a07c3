package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlgate/mlgate/internal/objstoretest"
	"github.com/mlgate/mlgate/internal/testenv"
)

// TestRemoteDataMatchesLocal runs validate, contract infer, profile and drift
// on the feature table in each object store and on disk: the outputs are the
// same apart from the file names and the remote files' I/O record, version
// and size.
func TestRemoteDataMatchesLocal(t *testing.T) {
	dir := t.TempDir()
	local := writeTable(t, dir, "features.parquet", 20_000, 5_000, 7)
	data, err := os.ReadFile(local)
	if err != nil {
		t.Fatal(err)
	}
	contractPath := filepath.Join(testenv.RepoRoot(t), "testdata", "contracts", "features.yaml")
	for _, srv := range objstoretest.All(t) {
		t.Run(srv.Scheme, func(t *testing.T) {
			srv.Setenv(t)
			srv.CreateBucket(t, "mldata")
			srv.Put(t, "mldata", "train/part-0.parquet", data)
			remote := srv.URL("mldata", "train/")
			out := t.TempDir()
			run := func(code int, args ...string) string {
				t.Helper()
				r := runCLI(t, nil, args...)
				r.wantCode(t, code)
				return r.stdout
			}

			// validate: the same checks and details; the file's I/O recorded.
			run(0, "validate", "-c", contractPath, "-o", filepath.Join(out, "local.json"), local)
			run(0, "validate", "-c", contractPath, "-o", filepath.Join(out, "remote.json"), remote)
			l, r := readEvidence(t, filepath.Join(out, "local.json")), readEvidence(t, filepath.Join(out, "remote.json"))
			if lc, rc := jsonOf(t, l.Checks), jsonOf(t, r.Checks); lc != rc {
				t.Errorf("checks differ:\nremote: %s\nlocal:  %s", rc, lc)
			}
			if lc, rc := jsonOf(t, l.Details), jsonOf(t, r.Details); lc != rc {
				t.Errorf("details differ:\nremote: %s\nlocal:  %s", rc, lc)
			}
			f := r.Subject.Files
			if len(f) != 1 || f[0].Path != srv.URL("mldata", "train/part-0.parquet") || f[0].Size != int64(len(data)) || f[0].Version == "" ||
				f[0].IO == nil || f[0].IO.Requests < 3 || f[0].IO.BytesRead == 0 || f[0].IO.BytesRead > f[0].Size {
				t.Errorf("remote subject files %s", jsonOf(t, f))
			}
			if f[0].IO != nil {
				t.Logf("validate %s: read %d of %d bytes in %d requests", f[0].Path, f[0].IO.BytesRead, f[0].Size, f[0].IO.Requests)
			}

			// contract infer: the same contract.
			if a, b := run(0, "contract", "infer", local), run(0, "contract", "infer", remote); a != b {
				t.Errorf("inferred contracts differ:\nremote:\n%s\nlocal:\n%s", b, a)
			}

			// profile: the same profile bytes.
			run(0, "profile", "--profile-out", filepath.Join(out, "local.profile.json"), local)
			run(0, "profile", "--profile-out", filepath.Join(out, "remote.profile.json"), srv.URL("mldata", "train/*.parquet"))
			a, _ := os.ReadFile(filepath.Join(out, "local.profile.json"))
			b, _ := os.ReadFile(filepath.Join(out, "remote.profile.json"))
			if len(a) == 0 || string(a) != strings.ReplaceAll(string(b), srv.URL("mldata", "train/part-0.parquet"), local) {
				t.Errorf("profiles differ:\nremote: %.400s\nlocal:  %.400s", b, a)
			}

			// drift: remote reference against local current data, no drift.
			run(0, "drift", "--reference", remote, "-o", filepath.Join(out, "drift.json"), local)
		})
	}
}

// TestRemoteDataErrors: a missing object and a replaced object are exit 2
// with messages naming them.
func TestRemoteDataErrors(t *testing.T) {
	srv := objstoretest.S3(t)
	srv.Setenv(t)
	srv.CreateBucket(t, "errs")
	contractPath := filepath.Join(testenv.RepoRoot(t), "testdata", "contracts", "features.yaml")
	r := runCLI(t, nil, "validate", "-c", contractPath, srv.URL("errs", "missing.parquet"))
	r.wantCode(t, 2)
	if !strings.Contains(r.stdout+r.stderr, "s3://errs/missing.parquet: no such object") {
		t.Errorf("missing object: %s", r.stderr)
	}
	r = runCLI(t, nil, "validate", "-c", contractPath, srv.URL("errs", "none/*.parquet"))
	r.wantCode(t, 2)
	if !strings.Contains(r.stdout+r.stderr, "matches no objects") {
		t.Errorf("empty glob: %s", r.stderr)
	}
	r = runCLI(t, nil, "validate", "--digest", "-c", contractPath, srv.URL("errs", "x.parquet"))
	r.wantCode(t, 2)
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
