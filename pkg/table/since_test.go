package table

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mlgate/mlgate/internal/tabletest"
	"github.com/mlgate/mlgate/internal/testenv"
)

func addedPaths(s *Snapshot) []string {
	var out []string
	for _, f := range s.AddedFiles() {
		out = append(out, filepath.Base(f.Path))
	}
	return out
}

func since(v int64) Options { return Options{Version: -1, Since: &v} }

// The files added since a version are those of the commits after it.
func TestDeltaSince(t *testing.T) {
	d := tabletest.NewDelta(t, t.TempDir())
	d.Commit(t, []int64{1, 2}, []int64{3})
	d.Commit(t, []int64{4})
	for v, want := range map[int64][]string{
		0: {"part-00000.parquet", "part-00001.parquet", "part-00002.parquet"},
		1: {"part-00002.parquet"},
		2: nil,
	} {
		s, err := OpenDelta(d.Dir, since(v))
		if err != nil {
			t.Fatal(err)
		}
		if got := addedPaths(s); !slices.Equal(got, want) {
			t.Errorf("since %d: added %v, want %v", v, got, want)
		}
		if len(s.Files) != 3 || s.Since == nil || *s.Since != v {
			t.Errorf("since %d: %d live files, since %v", v, len(s.Files), s.Since)
		}
	}
	if _, err := OpenDelta(d.Dir, Options{Version: 1, Since: ptr(int64(2))}); err == nil || !strings.Contains(err.Error(), "since version 2") {
		t.Errorf("since after the version read: %v", err)
	}
}

func ptr[T any](v T) *T { return &v }

// On a corpus table with removes, the files added since each version are
// the live files of the current version that were not live at it (the
// table has no deletion vectors, so no file is re-added under one path).
func TestDeltaSinceCorpus(t *testing.T) {
	dir := testenv.Shared(t, "corpora", "delta", "tables", "simple_table")
	cur, err := OpenDelta(dir, Current)
	if err != nil {
		t.Fatal(err)
	}
	for v := int64(0); v <= cur.Version; v++ {
		old, err := OpenDelta(dir, Options{Version: v})
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, f := range cur.Files {
			if !slices.ContainsFunc(old.Files, func(g File) bool { return g.Path == f.Path }) {
				want = append(want, filepath.Base(f.Path))
			}
		}
		s, err := OpenDelta(dir, since(v))
		if err != nil {
			t.Fatal(err)
		}
		if got := addedPaths(s); !slices.Equal(got, want) {
			t.Errorf("since %d: added %v, want %v", v, got, want)
		}
	}
}

// The overwrite snapshot of lineitem_iceberg added its one file; since
// the current snapshot nothing is new; a snapshot that is not an
// ancestor is refused.
func TestIcebergSince(t *testing.T) {
	dir := testenv.Shared(t, "corpora", "iceberg", "tables", "iceberg", "lineitem_iceberg")
	const first, second = 7817332053627255703, 2354745328521181395
	s, err := OpenIceberg(dir, since(first))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Files) != 1 || len(s.AddedFiles()) != 1 {
		t.Errorf("since the first snapshot: %d live, %d added", len(s.Files), len(s.AddedFiles()))
	}
	if s, err = OpenIceberg(dir, since(second)); err != nil || len(s.AddedFiles()) != 0 {
		t.Errorf("since the current snapshot: %v added (%v)", addedPaths(s), err)
	}
	if _, err = OpenIceberg(dir, Options{Version: first, Since: ptr(int64(second))}); err == nil || !strings.Contains(err.Error(), "not an ancestor") {
		t.Errorf("since a later snapshot: %v", err)
	}
}
