package contract

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/mlgate/mlgate/pkg/evidence"
)

// text is the filter's text; "" for none.
func (f *Filter) text() string {
	if f == nil {
		return ""
	}
	return f.Text
}

// record is the evidence of a selection: the filter and the rows kept.
func (s *selection) record() *evidence.RowFilter {
	if s == nil {
		return nil
	}
	return &evidence.RowFilter{Where: s.filter.Text, Rows: s.Rows}
}

// note records the filter a check ran under in its evidence, and says it
// in its message, which every report shows.
func (s *selection) note(c *evidence.Check) {
	if s == nil {
		return
	}
	c.Where = s.record()
	c.Message += fmt.Sprintf(" (where %s: %s rows)", s.filter.Text, count(s.Rows))
}

// selectAll decides, before any check reads data, the rows every filter of
// the run keeps: the run's own (the contract's where and the options'), and
// each rule's joined to it. A filter met twice is decided once.
func (r *run) selectAll(ctx context.Context) error {
	c := r.plan.contract
	r.where = c.Where.And(r.opts.Where)
	r.sels = map[string]*selection{}
	r.checkSel = make([]*selection, r.plan.nchecks)
	get := func(rule *Filter) (*selection, error) {
		f := r.where.And(rule)
		if f == nil {
			return nil, nil
		}
		if s, ok := r.sels[f.Text]; ok {
			return s, nil
		}
		if r.opts.Shard != nil {
			return nil, errors.New("row filters are not supported in a sharded validation yet")
		}
		files, err := r.openAll() // a filter reads every file's rows
		if err != nil {
			return nil, err
		}
		s, err := selectRows(ctx, f, files, r.owned, r.opts.Scan, r.opts.TableStats)
		if err != nil {
			return nil, fmt.Errorf("row filter %q: %w", f.Text, err)
		}
		r.sels[f.Text] = s
		return s, nil
	}
	if _, err := get(nil); err != nil {
		return err
	}
	for _, cp := range r.plan.columns {
		for _, vc := range cp.checks {
			s, err := get(vc.def().where)
			if err != nil {
				return err
			}
			r.checkSel[vc.def().idx] = s
		}
		if cp.unique != nil {
			if _, err := get(cp.unique.where); err != nil {
				return err
			}
		}
	}
	for _, k := range r.plan.keys {
		if _, err := get(k.where); err != nil {
			return err
		}
	}
	for _, rr := range []*Rule[int64]{c.Dataset.MinRows, c.Dataset.MaxRows} {
		if rr != nil {
			if _, err := get(rr.Where); err != nil {
				return err
			}
		}
	}
	return nil
}

// filterDetails records the run's filter and what each filter's row
// groups cost: decided by statistics (all rows or none, not read) or read.
func (r *run) filterDetails(d *evidence.ValidationDetails) {
	if s := r.sels[r.where.text()]; s != nil {
		d.Where = s.record()
	}
	var texts []string
	for t := range r.sels {
		texts = append(texts, t)
	}
	sort.Strings(texts)
	for _, t := range texts {
		s := r.sels[t]
		d.Filters = append(d.Filters, evidence.RowFilter{Where: t, Rows: s.Rows,
			RowGroupsAll: s.RowGroupsAll, RowGroupsSkipped: s.RowGroupsNone, RowGroupsRead: s.RowGroupsRead})
	}
}

// selOf is value check idx's selection; nil keeps every row (and in a
// merge of shards, which reads no data).
func (r *run) selOf(idx int) *selection {
	if idx < len(r.checkSel) {
		return r.checkSel[idx]
	}
	return nil
}
