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

// deletedRows opens each live file of a table argument through remote
// and gives the rows the table deletes from it and its columns' types,
// by the file's path relative to the table, and the live row count.
func deletedRows(t *testing.T, remote *steps.Remote, arg string) (map[string][]int64, map[string]string, int64) {
	t.Helper()
	ctx := testenv.Context(t)
	files, err := remote.Files(ctx, []string{arg})
	if err != nil {
		t.Fatalf("%s: %v", arg, err)
	}
	out, types := map[string][]int64{}, map[string]string{}
	var live int64
	for _, p := range files {
		pf, err := remote.Open(ctx, p)
		if err != nil {
			t.Fatalf("%s: %v", arg, err)
		}
		rows := []int64{}
		pf.EachExcluded(0, pf.NumRows, func(r int64) { rows = append(rows, r) })
		live += pf.LiveRows()
		rel := strings.TrimPrefix(strings.TrimPrefix(p, arg), "/")
		for _, c := range pf.Schema.Leaves {
			types[rel] += fmt.Sprintf("%s %s %v; ", c.Path, c.Type, c.Const != nil)
		}
		pf.Close()
		out[rel] = rows
	}
	return out, types, live
}

// Tables with deletes read remotely as they read locally: Delta deletion
// vector files, Iceberg equality delete files (matched against the data
// files read remotely), position delete files (written by tabletest) and
// v3 deletion vectors (a bare blob from the corpus, a Puffin file of two
// blobs written by tabletest) are read through the
// store that reads the table, and each live file's deleted rows and the
// live row count equal the local read's. (Before, the first read of a
// deletes file failed: the reader looked for the URL on the local disk.)
func TestRemoteTablesWithDeletes(t *testing.T) {
	tables := map[string]string{}
	for name, rel := range map[string][]string{
		"dv":       {"delta", "tables", "table-with-dv-small"},
		"dvlogs":   {"delta", "tables", "table_with_deletion_logs"},
		"cdf":      {"delta", "tables", "cdf-table-with-cdc-and-dvs"},
		"equality": {"iceberg", "tables", "equality_deletes", "warehouse", "mydb", "mytable"},
		"eqpart":   {"iceberg", "tables", "equality_deletes", "warehouse", "mydb", "mytable_partitioned"},
		"puffin":   {"iceberg", "tables", "legacy_bare_deletion_vector", "warehouse", "default", "legacy_bare_deletion_vector"},
	} {
		tables[name] = testenv.Shared(t, append([]string{"corpora"}, rel...)...)
	}
	// The corpora hold no Iceberg position deletes nor a framed Puffin file.
	v2 := tabletest.NewIceberg(t, filepath.Join(t.TempDir(), "v2"), 2)
	files := v2.Append(t, []int64{1, 2, 3, 4, 5}, []int64{6, 7, 8})
	v2.DeletePositions(t, map[string][]int64{files[0]: {0, 3}, files[1]: {1}})
	v3 := tabletest.NewIceberg(t, filepath.Join(t.TempDir(), "v3"), 3)
	files = v3.Append(t, []int64{1, 2, 3, 4, 5}, []int64{6, 7, 8})
	v3.DeletionVectors(t, map[string][]uint64{files[0]: {1, 4}, files[1]: {0}})
	tables["position"], tables["puffinv3"] = v2.Dir, v3.Dir
	// Columns added with defaults: constants typed as their writers wrote them.
	tables["defaults"] = testenv.Shared(t, "corpora", "iceberg", "tables", "add_columns_with_defaults", "default.db", "add_columns_with_defaults")
	for _, srv := range objstoretest.All(t) {
		t.Run(srv.Scheme, func(t *testing.T) {
			srv.Setenv(t)
			srv.CreateBucket(t, "lake")
			for name, dir := range tables {
				upload(t, srv, dir, "lake", "t/"+name)
			}
			for name, dir := range tables {
				local := steps.NewRemote(objstore.Options{})
				defer local.Close()
				want, wantTypes, wantLive := deletedRows(t, local, dir)
				remote := steps.NewRemote(objstore.Options{})
				defer remote.Close()
				got, types, live := deletedRows(t, remote, srv.URL("lake", "t/"+name))
				deleted := 0
				for _, rows := range want {
					deleted += len(rows)
				}
				if (deleted == 0) != (name == "defaults") {
					t.Errorf("%s: %d rows deleted locally", name, deleted)
				}
				if fmt.Sprint(got) != fmt.Sprint(want) || live != wantLive {
					t.Errorf("%s: remotely %d live rows, deleted %v; locally %d, %v", name, live, got, wantLive, want)
				}
				if fmt.Sprint(types) != fmt.Sprint(wantTypes) {
					t.Errorf("%s: remotely the columns are\n%v\nlocally\n%v", name, types, wantTypes)
				}
			}
		})
	}
}
