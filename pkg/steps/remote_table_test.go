package steps_test

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlgate/mlgate/internal/objstoretest"
	"github.com/mlgate/mlgate/internal/tabletest"
	"github.com/mlgate/mlgate/internal/testenv"
	"github.com/mlgate/mlgate/pkg/evidence"
	"github.com/mlgate/mlgate/pkg/objstore"
	"github.com/mlgate/mlgate/pkg/steps"
	"github.com/mlgate/mlgate/pkg/table"
)

// upload puts every file under dir into the bucket under prefix.
func upload(t *testing.T, srv *objstoretest.Server, dir, bucket, prefix string) {
	t.Helper()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		srv.Put(t, bucket, prefix+"/"+filepath.ToSlash(rel), b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A Delta table and an Iceberg table on each object store (versitygw,
// fake-gcs-server, Azurite) read as they read locally: the same live
// files (as URLs under the table), the same version, a passing
// validation whose evidence names the table and each object's reads; a
// pinned version (URL@V) and an incremental check work the same.
func TestRemoteTables(t *testing.T) {
	d := tabletest.NewDelta(t, t.TempDir())
	v1, _ := d.Commit(t, []int64{1, 2, 3}, []int64{4, 5})
	v2, _ := d.Commit(t, []int64{6, 7})
	removed := filepath.Join(d.Dir, "not-live.parquet") // in the folder, not in the log
	if err := os.WriteFile(removed, []byte("PAR1"), 0o644); err != nil {
		t.Fatal(err)
	}
	ice := testenv.Shared(t, "corpora", "iceberg", "tables", "iceberg", "lineitem_iceberg")
	body := "dataset:\n  rows: {min: 7, max: 7}\ncolumns:\n  - name: id\n    nullable: false\n    min: 1\n"
	for _, srv := range objstoretest.All(t) {
		t.Run(srv.Scheme, func(t *testing.T) {
			srv.Setenv(t)
			srv.CreateBucket(t, "lake")
			upload(t, srv, d.Dir, "lake", "tables/events")
			upload(t, srv, ice, "lake", "tables/lineitem_iceberg")
			ctx := testenv.Context(t)
			url := srv.URL("lake", "tables/events")
			for _, tc := range []struct {
				arg   string
				opts  table.Options
				files int
				want  int64
			}{
				{url, table.Current, 3, v2},
				{fmt.Sprintf("%s@%d", url, v1), table.Current, 2, v1},
				{url + "/", table.Options{Version: -1, Since: &v1}, 1, v2},
			} {
				remote := steps.NewRemote(objstore.Options{})
				defer remote.Close()
				remote.Table = &tc.opts
				files, err := remote.Files(ctx, []string{tc.arg})
				if err != nil {
					t.Fatalf("%s: %v", tc.arg, err)
				}
				if len(files) != tc.files {
					t.Fatalf("%s: files %v", tc.arg, files)
				}
				for _, f := range files {
					if !strings.HasPrefix(f, url+"/part-") {
						t.Errorf("%s: file %s", tc.arg, f)
					}
				}
				if tc.want != v2 || tc.opts.Since != nil {
					continue
				}
				contract := filepath.Join(t.TempDir(), "c.yaml")
				os.WriteFile(contract, []byte("apiVersion: mlgate.dev/v1\nkind: DataContract\n"+body), 0o644)
				doc, err := steps.Validate(ctx, steps.ValidateRequest{Run: steps.Run{Remote: remote}, Contract: contract, Data: files})
				if err != nil {
					t.Fatal(err)
				}
				if doc.Status != evidence.StatusPass {
					t.Fatalf("%s: %s", doc.Status, doc.Summary)
				}
				// The log's statistics decide the contract: no object is
				// read, so none is pinned to a version.
				for _, f := range doc.Subject.Files {
					if f.Table == nil || f.Table.Location != url || f.Table.Version != v2 || f.IO == nil || *f.IO != (evidence.IORecord{}) || f.Version != "" {
						t.Errorf("%s: table %+v, io %+v, version %q", f.Path, f.Table, f.IO, f.Version)
					}
				}
				// A bound the statistics cannot prove for the last file
				// ([6, 7]) is scanned there only: that object is read, its
				// reads pinned to its version; the others are not read.
				os.WriteFile(contract, []byte("apiVersion: mlgate.dev/v1\nkind: DataContract\ncolumns:\n  - name: id\n    max: 6\n"), 0o644)
				doc, err = steps.Validate(ctx, steps.ValidateRequest{Run: steps.Run{Remote: remote}, Contract: contract, Data: files})
				if err != nil {
					t.Fatal(err)
				}
				if c := check(doc, "column.id.max"); doc.Status != evidence.StatusFail || c == nil || c.Failures != 1 {
					t.Errorf("max 6: %s: %s", doc.Status, doc.Summary)
				}
				for _, f := range doc.Subject.Files {
					read := strings.HasSuffix(f.Path, "/part-00002.parquet")
					if f.IO == nil || (f.IO.Requests > 0) != read || (f.Version != "") != read {
						t.Errorf("%s: io %+v, version %q (read: %v)", f.Path, f.IO, f.Version, read)
					}
				}
			}
			// Iceberg: the metadata records the writer's own location; the
			// files resolve under the URL.
			remote := steps.NewRemote(objstore.Options{})
			defer remote.Close()
			local, err := table.Open(ice, table.Current)
			if err != nil {
				t.Fatal(err)
			}
			files, err := remote.Files(ctx, []string{srv.URL("lake", "tables/lineitem_iceberg")})
			if err != nil {
				t.Fatal(err)
			}
			if len(files) != len(local.Files) || !strings.HasSuffix(files[0], "/"+filepath.Base(local.Files[0].Path)) {
				t.Errorf("iceberg: %v, locally %d files", files, len(local.Files))
			}
			// A prefix that holds no table is still a prefix of Parquet objects.
			if files, err := remote.Files(ctx, []string{url + "/_delta_log/"}); err == nil {
				t.Errorf("a prefix without Parquet objects gave %v", files)
			}
		})
	}
}
