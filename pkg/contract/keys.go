package contract

import (
	"context"
	"sync"

	"github.com/parquet-go/parquet-go"

	"github.com/mlgate/mlgate/pkg/evidence"
	"github.com/mlgate/mlgate/pkg/parquetx"
)

// attachKeys gives every example of the checks the values of the
// contract's key columns in its row. It reads only the key columns' chunks
// that hold an example, after every check has chosen its examples.
func (r *run) attachKeys(ctx context.Context, checks []evidence.Check, keys []string) error {
	if len(keys) == 0 {
		return nil
	}
	// want[file][row] collects the key values of the rows examples name.
	want := map[string]map[int64]map[string]any{}
	for _, c := range checks {
		for _, ex := range c.Examples {
			if want[ex.File] == nil {
				want[ex.File] = map[int64]map[string]any{}
			}
			want[ex.File][ex.Row] = map[string]any{}
		}
	}
	if len(want) == 0 {
		return nil
	}
	var files []*parquetx.File
	for _, f := range r.opened { // examples come from files read
		if f == nil || want[f.Path] == nil {
			continue
		}
		usable := true
		for _, k := range keys {
			if c := f.Schema.Lookup(k); c == nil || !c.Leaf || c.MaxRepetitionLevel > 0 {
				usable = false // a missing key column is reported by its own checks
			}
		}
		if usable {
			files = append(files, f)
		}
	}
	var mu sync.Mutex
	err := parquetx.Scan(ctx, files, keys, r.opts.Scan, func(c *parquetx.Chunk) (parquetx.ChunkVisitor, error) {
		rows := want[c.File.Path]
		end := c.FirstRow + c.File.RowGroupRows(c.RowGroup)
		for row := range rows {
			if row >= c.FirstRow && row < end {
				return &keyVisitor{col: c.Column, rows: rows, mu: &mu}, nil
			}
		}
		return nil, nil
	})
	if err != nil {
		return err
	}
	for i := range checks {
		for j := range checks[i].Examples {
			ex := &checks[i].Examples[j]
			if k := want[ex.File][ex.Row]; len(k) == len(keys) {
				ex.Key = k
			}
		}
	}
	return nil
}

// keyVisitor copies a key column's values at the wanted rows.
type keyVisitor struct {
	col  *parquetx.Column
	rows map[int64]map[string]any
	mu   *sync.Mutex
}

func (v *keyVisitor) Dictionary([]parquet.Value) (bool, error) { return true, nil }
func (v *keyVisitor) Close() error                             { return nil }
func (v *keyVisitor) Values(b parquetx.Batch) error {
	for i, row := range b.Rows {
		if k, ok := v.rows[row]; ok {
			v.mu.Lock()
			k[v.col.Path] = v.col.Display(b.Values[i])
			v.mu.Unlock()
		}
	}
	return nil
}
