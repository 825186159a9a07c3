package table

import (
	"testing"

	"github.com/mlgate/mlgate/pkg/parquetx"
)

// TestDescribedAgreesWithFooters opens every live file of every readable
// corpus table that its table metadata describes (File.Described) through
// a deferred handle: the file's view must have exactly the described
// columns, types, partition values and live row count, so checks decided
// from the description are the ones its footer would decide.
func TestDescribedAgreesWithFooters(t *testing.T) {
	described, tables := 0, map[string]bool{}
	for name, dir := range corpusTables(t) {
		if refused[name] != "" || broken[name] != "" || logOnly[name] {
			continue
		}
		s, err := Open(dir, Current)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for i := range s.Files {
			f := &s.Files[i]
			cols, rows, ok := f.Described()
			if !ok {
				continue
			}
			h := parquetx.Deferred(f.Path, cols, rows, func() (*parquetx.File, error) {
				pf, err := parquetx.Open(f.Path)
				if err != nil {
					return nil, err
				}
				if err := f.View(pf); err != nil {
					return nil, err
				}
				del, err := s.DeletedRows(f)
				if err != nil {
					return nil, err
				}
				return pf, pf.ExcludeRows(del)
			})
			if _, err := h.File(); err != nil {
				t.Errorf("%s: %v", name, err)
			}
			h.Close()
			described++
			tables[name] = true
		}
	}
	t.Logf("%d files of %d tables described by their table metadata", described, len(tables))
	if described < 50 {
		t.Errorf("only %d files described", described)
	}
}
