package contract

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/mlgate/mlgate/pkg/evidence"
	"github.com/mlgate/mlgate/pkg/parquetx"
)

// A sharded validation splits the work two ways. Value checks (nulls,
// bounds, allowed values, patterns, lengths) count the row groups of the
// shard: row group g of the dataset, numbered across the files in order,
// belongs to shard g mod Count, as profile shards do. Uniqueness cannot be
// split by rows (a duplicate pair may straddle two shards), so every shard
// reads the key columns of every row group and keeps the keys whose hash
// modulo Count is its index: all occurrences of a key land in one shard, and
// the shards' duplicate counts add up exactly. Schema and row-count rules
// are decided from the footers, which every shard reads in full, so every
// shard decides them alike and a merge checks that they agree.

// part is a check whose outcome is counted over the data.
type part struct {
	def     *base
	outcome *outcome
	bound   *boundCheck // a bound check's worst value travels too
	render  func() evidence.Check
}

// shardRowGroups marks the row groups of the shard; nil without one.
func shardRowGroups(files []*parquetx.File, sh *evidence.Shard) [][]bool {
	if sh == nil {
		return nil
	}
	owned := make([][]bool, len(files))
	g := 0
	for i, f := range files {
		owned[i] = make([]bool, f.NumRowGroups())
		for rg := range owned[i] {
			owned[i][rg] = g%sh.Count == sh.Index
			g++
		}
	}
	return owned
}

func (r *run) inShard(file, rg int) bool {
	return r.owned == nil || r.owned[file][rg]
}

// shardState is what the merge of this shard needs.
func (r *run) shardState() *evidence.ValidationShard {
	st := &evidence.ValidationShard{Index: r.opts.Shard.Index, Count: r.opts.Shard.Count, Partial: []evidence.PartialCheck{}}
	for i, f := range r.opened { // a shard opened every file
		for rg := range f.NumRowGroups() {
			if r.inShard(i, rg) {
				st.Rows += f.RowGroupRows(rg) - f.RowGroupExcluded(rg)
			}
		}
	}
	for _, p := range r.parts {
		ci := p.outcome
		ci.trimExamples()
		pc := evidence.PartialCheck{ID: p.def.id, Failures: ci.failures, Total: ci.total, Broken: ci.broken}
		for _, t := range []string{tierMetadata, tierDictionary, tierScan} {
			if ci.tiers[t] {
				pc.Tiers = append(pc.Tiers, t)
			}
		}
		for _, e := range ci.examples {
			v, err := evidence.MarshalValue(e.value)
			if err != nil {
				v = json.RawMessage(strconv.Quote(fmt.Sprint(e.value)))
			}
			pc.Examples = append(pc.Examples, evidence.PartialExample{File: e.file, RowGroup: e.rowGroup, Row: e.row, Value: v})
		}
		if p.bound != nil && ci.worst != nil {
			w := ci.worst
			pc.Worst = &evidence.ExactNumber{Float: w.Float, Hi: w.Int.Hi, Lo: w.Int.Lo, Scale: w.Scale}
			if w.Float {
				pc.Worst.F = strconv.FormatFloat(w.F, 'g', -1, 64)
			}
		}
		st.Partial = append(st.Partial, pc)
	}
	return st
}

// ShardResult is one shard's outcome as its evidence recorded it.
type ShardResult struct {
	// Name names the shard's evidence in errors.
	Name    string
	Checks  []evidence.Check
	Details evidence.ValidationDetails
	// Files are the dataset's files, in the order the shard numbered them.
	Files []string
}

// MergeShards decides the contract over the whole dataset from the results
// of its shards, exactly as one run over all of it would. The shards must be
// one complete set (indices 0..Count-1, each once) of the same contract over
// the same files; the caller checks that they name the same files and
// contract bytes.
func (p *Plan) MergeShards(shards []ShardResult) (*Result, error) {
	if len(shards) == 0 {
		return nil, fmt.Errorf("no shard evidence to merge")
	}
	for _, s := range shards {
		if s.Details.Shard == nil {
			return nil, fmt.Errorf("%s: not the evidence of a shard (validated without a shard)", s.Name)
		}
		for _, c := range s.Checks {
			if c.ID == "file.integrity" {
				return nil, fmt.Errorf("%s: shard %d could not validate its data: %s", s.Name, s.Details.Shard.Index, c.Message)
			}
		}
	}
	n := shards[0].Details.Shard.Count
	if n < 1 || n > len(shards) {
		return nil, fmt.Errorf("%s is a shard of %d, and %d shards were given: merge needs every shard", shards[0].Name, n, len(shards))
	}
	byIndex := make([]*ShardResult, n)
	for i := range shards {
		s := &shards[i]
		sh := s.Details.Shard
		switch {
		case sh.Count != n:
			return nil, fmt.Errorf("%s: a shard of %d, but %s is a shard of %d", s.Name, sh.Count, shards[0].Name, n)
		case sh.Index < 0 || sh.Index >= n:
			return nil, fmt.Errorf("%s: shard index %d is not in 0..%d", s.Name, sh.Index, n-1)
		case byIndex[sh.Index] != nil:
			return nil, fmt.Errorf("%s and %s are both shard %d/%d", byIndex[sh.Index].Name, s.Name, sh.Index, n)
		case sh.Contract != shards[0].Details.Shard.Contract:
			return nil, fmt.Errorf("%s checked another contract than %s", s.Name, shards[0].Name)
		case !slices.Equal(s.Files, shards[0].Files):
			return nil, fmt.Errorf("%s validated other files than %s", s.Name, shards[0].Name)
		case s.Details.Rows != shards[0].Details.Rows:
			return nil, fmt.Errorf("%s saw %d rows in the dataset, %s %d", s.Name, s.Details.Rows, shards[0].Name, shards[0].Details.Rows)
		case len(s.Checks) != len(shards[0].Checks):
			return nil, fmt.Errorf("%s has %d checks, %s %d: not shards of one validation", s.Name, len(s.Checks), shards[0].Name, len(shards[0].Checks))
		}
		byIndex[sh.Index] = s
	}
	var missing []int
	var rows int64
	for i, s := range byIndex {
		if s == nil {
			missing = append(missing, i)
			continue
		}
		rows += s.Details.Shard.Rows
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("shards %v of %d are missing: merge needs every shard", missing, n)
	}
	first := byIndex[0]
	if rows != first.Details.Rows {
		return nil, fmt.Errorf("the shards cover %d of the dataset's %d rows", rows, first.Details.Rows)
	}

	// The checks of the contract, with no data: their outcomes come from
	// the shards.
	r := &run{plan: p, decided: map[string]int{}, outcomes: make([]*outcome, p.nchecks)}
	for i := range r.outcomes {
		r.outcomes[i] = newOutcome(time.Time{})
	}
	for _, cp := range p.columns {
		r.columnChecks(cp)
	}
	for _, k := range p.keys {
		r.addKey(k)
	}
	r.out, r.decided = nil, map[string]int{}
	for _, s := range byIndex {
		if len(s.Details.Shard.Partial) != len(r.parts) {
			return nil, fmt.Errorf("%s has %d counted checks, the contract %d: not this contract", s.Name, len(s.Details.Shard.Partial), len(r.parts))
		}
		for j, pc := range s.Details.Shard.Partial {
			if err := r.parts[j].merge(pc, s.Files); err != nil {
				return nil, fmt.Errorf("%s: %w", s.Name, err)
			}
		}
	}
	j := 0
	for i, c := range first.Checks {
		if j < len(r.parts) && c.ID == r.parts[j].def.id {
			r.emit(r.parts[j].render())
			j++
			continue
		}
		want, _ := json.Marshal(c)
		for _, s := range byIndex[1:] {
			got, _ := json.Marshal(s.Checks[i])
			if string(got) != string(want) {
				return nil, fmt.Errorf("%s and %s disagree on %s, which every shard decides from the footers: not shards of the same data", first.Name, s.Name, c.ID)
			}
		}
		r.emit(c)
	}
	if j != len(r.parts) {
		return nil, fmt.Errorf("%s lacks check %s", first.Name, r.parts[j].def.id)
	}
	return &Result{Checks: r.out, Details: p.details(rows, r.decided)}, nil
}

// merge adds one shard's partial outcome.
func (p part) merge(pc evidence.PartialCheck, files []string) error {
	ci := p.outcome
	if pc.ID != p.def.id {
		return fmt.Errorf("check %s where the contract has %s", pc.ID, p.def.id)
	}
	if pc.Failures < 0 || pc.Total < 0 || pc.Failures > pc.Total && pc.Total > 0 {
		return fmt.Errorf("check %s: %d failures of %d values", pc.ID, pc.Failures, pc.Total)
	}
	var ex []example
	for _, e := range pc.Examples {
		if e.File < 0 || e.File >= len(files) {
			return fmt.Errorf("check %s: an example in file %d of %d", pc.ID, e.File, len(files))
		}
		ex = append(ex, example{file: e.File, fileName: files[e.File], rowGroup: e.RowGroup, row: e.Row, value: e.Value})
	}
	ci.failures += pc.Failures
	ci.total += pc.Total
	ci.examples = append(ci.examples, ex...)
	ci.trimExamples()
	for _, t := range pc.Tiers {
		ci.tiers[t] = true
	}
	if pc.Broken != "" {
		ci.broken = pc.Broken
	}
	if w := pc.Worst; w != nil && p.bound != nil {
		x := parquetx.Exact{Float: w.Float, Int: parquetx.Int128{Hi: w.Hi, Lo: w.Lo}, Scale: w.Scale}
		if w.Float {
			f, err := strconv.ParseFloat(w.F, 64)
			if err != nil {
				return fmt.Errorf("check %s: worst value %q: %w", pc.ID, w.F, err)
			}
			x.F = f
		}
		p.bound.noteFailure(ci, x)
	}
	return nil
}
