package contract

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/parquet-go/parquet-go"

	"github.com/mlgate/mlgate/pkg/evidence"
	"github.com/mlgate/mlgate/pkg/parquetx"
)

// Plan is a compiled contract, ready to run on any number of datasets.
type Plan struct {
	contract *Contract
	patterns map[string]*regexp.Regexp
}

// Compile prepares a contract for validation.
func Compile(c *Contract) (*Plan, error) {
	p := &Plan{contract: c, patterns: map[string]*regexp.Regexp{}}
	for _, col := range c.Columns {
		if col.Pattern != nil {
			re, err := regexp.Compile(col.Pattern.Value)
			if err != nil {
				return nil, &Error{File: c.File, Pos: col.Pattern.Pos, Msg: err.Error()}
			}
			p.patterns[col.Name] = re
		}
	}
	return p, nil
}

// Options tunes a run.
type Options struct {
	Scan parquetx.ScanOptions
	// VerifyAll decodes every page of every column, so that corruption is
	// found even in columns no undecided check reads.
	VerifyAll bool
	// Shard, when set, validates one shard of the dataset (see
	// evidence.ValidationShard); MergeShards combines the shards' results.
	Shard *evidence.Shard
	// keyHash replaces the key hash; tests use it to force collisions.
	keyHash func(parquet.Value) uint64
}

// Result is a run's outcome: the checks in contract order and the details.
type Result struct {
	Checks  []evidence.Check
	Details evidence.ValidationDetails
}

// run is one execution of a plan over a dataset.
type run struct {
	plan  *Plan
	files []*parquetx.File
	opts  Options
	// pending[file][rowGroup][column] lists the value checks a chunk still
	// needs after the metadata tier.
	pending []map[int]map[string][]valueCheck
	keys    []*keyCheck
	// keyCols[file][column] lists the key checks reading that column.
	keyCols []map[string][]*keyCheck
	out     []evidence.Check
	decided map[string]int
	// err is the first error met while registering checks (a page index
	// that crashed the decoder).
	err error
	// owned[file][rowGroup] says whether a row group is in the shard (nil:
	// no shard, all are).
	owned [][]bool
	// parts are the checks whose outcome is counted over the data, in the
	// order they are rendered: what a shard hands to a merge.
	parts []part
}

// Run validates the dataset formed by files. A *parquetx.CorruptError (or
// another error) means the data could not be validated.
func (p *Plan) Run(ctx context.Context, files []*parquetx.File, opts Options) (*Result, error) {
	r := &run{plan: p, files: files, opts: opts, decided: map[string]int{}}
	r.pending = make([]map[int]map[string][]valueCheck, len(files))
	r.keyCols = make([]map[string][]*keyCheck, len(files))
	for i := range files {
		r.pending[i] = map[int]map[string][]valueCheck{}
		r.keyCols[i] = map[string][]*keyCheck{}
	}
	r.owned = shardRowGroups(files, opts.Shard)
	var rows int64
	for _, f := range files {
		rows += f.NumRows
		for _, w := range f.Warnings {
			r.emit(evidence.Check{ID: "file.metadata", Status: evidence.StatusWarn, Severity: evidence.SeverityWarn,
				Message: w, Location: &evidence.Location{File: f.Path}, DecidedBy: tierMetadata})
		}
	}
	r.datasetChecks()
	var later []func() evidence.Check
	for _, col := range p.contract.Columns {
		later = append(later, r.columnChecks(col)...)
	}
	if r.err != nil {
		return nil, r.err
	}
	later = append(later, r.datasetKeys()...)
	if err := r.scan(ctx, false); err != nil {
		return nil, err
	}
	var again bool
	for _, k := range r.keys {
		if k.broken == "" && k.findCandidates() {
			again = true
		}
	}
	if again {
		if err := r.scan(ctx, true); err != nil {
			return nil, err
		}
	}
	for _, k := range r.keys {
		if k.broken == "" {
			k.finish()
		}
	}
	for _, f := range later {
		r.emit(f())
	}
	res := &Result{Checks: r.out, Details: evidence.ValidationDetails{Contract: p.contract.File, Rows: rows, DecidedBy: r.decided}}
	if opts.Shard != nil {
		res.Details.Shard = r.shardState()
	}
	return res, nil
}

// datasetKeys registers the dataset's uniqueness checks.
func (r *run) datasetKeys() []func() evidence.Check {
	var out []func() evidence.Check
	for _, key := range r.plan.contract.Dataset.Unique {
		id := "dataset.unique." + strings.Join(key.Value, ",")
		info := newInfo(id, "", severityOf(key.Severity, ""), mostlyOf(key.Mostly, 0), r.source(key.Pos), map[string]any{"unique": key.Value})
		out = append(out, r.addKey(info, key.Value))
	}
	return out
}

func (r *run) emit(c evidence.Check) {
	if c.DecidedBy != "" {
		r.decided[c.DecidedBy]++
	}
	r.out = append(r.out, c)
}

func (r *run) source(at Pos) evidence.Source {
	return evidence.Source{File: r.plan.contract.File, Line: at.Line, Column: at.Column}
}

// schemaCheck decides a schema rule and renders it.
func (r *run) schemaCheck(id, column string, at Pos, sev evidence.Severity, expected any, rule schemaRule) evidence.Check {
	ok, msg := rule.decide(r.files)
	st := evidence.StatusPass
	if !ok {
		st = evidence.StatusFail
		if sev == evidence.SeverityWarn {
			st = evidence.StatusWarn
		}
	}
	src := r.source(at)
	c := evidence.Check{ID: id, Status: st, Severity: sev, Message: msg, Expected: expected, Source: &src, DecidedBy: tierMetadata}
	if column != "" {
		c.Location = &evidence.Location{Column: column}
	}
	return c
}

func constant(c evidence.Check) func() evidence.Check { return func() evidence.Check { return c } }

func (r *run) datasetChecks() {
	d := r.plan.contract.Dataset
	if d.MinRows != nil {
		r.emit(r.schemaCheck("dataset.rows.min", "", d.MinRows.Pos, severityOf(d.MinRows.Severity, ""), map[string]any{"min": d.MinRows.Value}, rowsRule{limit: d.MinRows.Value}))
	}
	if d.MaxRows != nil {
		r.emit(r.schemaCheck("dataset.rows.max", "", d.MaxRows.Pos, severityOf(d.MaxRows.Severity, ""), map[string]any{"max": d.MaxRows.Value}, rowsRule{limit: d.MaxRows.Value, upper: true}))
	}
	if d.Strict != nil && d.Strict.Value {
		r.emit(r.schemaCheck("dataset.strict", "", d.Strict.Pos, severityOf(d.Strict.Severity, ""), map[string]any{"strict": true}, strictRule{columns: r.plan.contract.Columns}))
	}
}

// columnChecks emits the presence and type checks of a contract column and
// registers its value checks; it returns how to render the latter once the
// data has been read.
func (r *run) columnChecks(col *Column) []func() evidence.Check {
	prefix := "column." + col.Name + "."
	sev := func(s evidence.Severity) evidence.Severity { return severityOf(s, col.Default.Severity) }
	mostly := func(m float64) float64 { return mostlyOf(m, col.Default.Mostly) }
	// usable[i] is the file's column when present with the right type.
	usable := make([]*parquetx.Column, len(r.files))
	somewhere := false
	for i, f := range r.files {
		fc := f.Schema.Lookup(col.Name)
		somewhere = somewhere || fc != nil
		if fc != nil && (col.Type == nil || col.Type.Value.Matches(fc.Type)) {
			usable[i] = fc
		}
	}
	out := []func() evidence.Check{constant(r.schemaCheck(prefix+"present", col.Name, col.Pos, sev(""), nil, presentRule{col.Name}))}
	if col.Type != nil && somewhere {
		out = append(out, constant(r.schemaCheck(prefix+"type", col.Name, col.Type.Pos, sev(col.Type.Severity),
			map[string]any{"type": col.Type.Value.String()}, typeRule{col.Name, col.Type.Value})))
	}
	info := func(rule string, severity evidence.Severity, m float64, at Pos, expected any) *checkInfo {
		return newInfo(prefix+rule, col.Name, sev(severity), mostly(m), r.source(at), expected)
	}
	var checks []valueCheck
	if col.Nullable != nil && !col.Nullable.Value {
		checks = append(checks, &notNullCheck{checkInfo: info("nullable", col.Nullable.Severity, col.Nullable.Mostly, col.Nullable.Pos, map[string]any{"nullable": false})})
	}
	if rule := col.MaxNullFraction; rule != nil {
		c := &notNullCheck{checkInfo: info("max_null_fraction", rule.Severity, 0, rule.Pos, map[string]any{"max_null_fraction": rule.Value}), maxFraction: rule.Value}
		c.mostly = 1 - rule.Value
		checks = append(checks, c)
	}
	if rule := col.Min; rule != nil {
		checks = append(checks, newBoundCheck(info("min", rule.Severity, rule.Mostly, rule.Pos, map[string]any{"min": json.Number(rule.Value.Text)}), rule.Value, false))
	}
	if rule := col.Max; rule != nil {
		checks = append(checks, newBoundCheck(info("max", rule.Severity, rule.Mostly, rule.Pos, map[string]any{"max": json.Number(rule.Value.Text)}), rule.Value, true))
	}
	if rule := col.Allowed; rule != nil {
		c := newAllowedCheck(info("allowed", rule.Severity, rule.Mostly, rule.Pos, map[string]any{"allowed": rule.Value}), rule.Value)
		checks = append(checks, c)
	}
	if rule := col.Pattern; rule != nil {
		checks = append(checks, &patternCheck{checkInfo: info("pattern", rule.Severity, rule.Mostly, rule.Pos, map[string]any{"pattern": rule.Value}), re: r.plan.patterns[col.Name], fast: compileSeq(rule.Value)})
	}
	binary := false
	for _, fc := range usable {
		binary = binary || (fc != nil && fc.Type.Name != parquetx.TypeString)
	}
	if rule := col.MinLength; rule != nil {
		checks = append(checks, &lengthCheck{checkInfo: info("min_length", rule.Severity, rule.Mostly, rule.Pos, map[string]any{"min_length": rule.Value}), limit: rule.Value, binary: binary})
	}
	if rule := col.MaxLength; rule != nil {
		checks = append(checks, &lengthCheck{checkInfo: info("max_length", rule.Severity, rule.Mostly, rule.Pos, map[string]any{"max_length": rule.Value}), limit: rule.Value, upper: true, binary: binary})
	}
	for _, vc := range checks {
		r.register(vc, usable)
		render := func() evidence.Check {
			c := vc.info().evidenceCheck(vc.message())
			if o, ok := vc.(interface{ observed() any }); ok {
				c.Observed = o.observed()
			}
			return c
		}
		bc, _ := vc.(*boundCheck)
		r.parts = append(r.parts, part{info: vc.info(), bound: bc, render: render})
		out = append(out, render)
	}
	if rule := col.Unique; rule != nil && rule.Value {
		out = append(out, r.addKey(info("unique", rule.Severity, rule.Mostly, rule.Pos, map[string]any{"unique": true}), []string{col.Name}))
	}
	return out
}

// register decides what it can of a value check from the schema, footer
// statistics and page index, and queues the other chunks for the dictionary or a scan.
func (r *run) register(vc valueCheck, usable []*parquetx.Column) {
	info := vc.info()
	for i, fc := range usable {
		if fc == nil {
			continue
		}
		f := r.files[i]
		if _, isNull := vc.(*notNullCheck); isNull && (!fc.Leaf || fc.InCollection) {
			// Whether a group or a list can be null is decided by its
			// schema (an empty list is not a null).
			if fc.Repetition == "optional" {
				info.broken = fmt.Sprintf("%s is optional in the schema of %s, so it can be null", fc.Path, f.Path)
			}
			info.tiers[tierMetadata] = true
			continue
		}
		if why := vc.rejects(fc); why != "" && fc.Leaf {
			info.broken = why + " in " + f.Path
			continue
		}
		if !fc.Leaf {
			info.broken = fmt.Sprintf("%s is a %s in %s; constrain its leaf fields by dotted path", fc.Path, fc.Type, f.Path)
			continue
		}
		for rg := 0; rg < f.NumRowGroups(); rg++ {
			if !r.inShard(i, rg) {
				continue
			}
			st, err := f.Stats(rg, fc)
			if err != nil {
				if r.err == nil {
					r.err = err
				}
				return
			}
			// Statistics that prove failures of a check that tolerates none
			// still go to a scan, which finds the examples a reviewer
			// needs; fractions (mostly < 1) are decided by the counts.
			if failures, total, ok := proven(vc, fc, st); ok && (failures == 0 || info.mostly < 1) {
				if err := f.CheckPages(rg, fc, r.opts.Scan.MaxPageSize); err != nil {
					if r.err == nil {
						r.err = err
					}
					return
				}
				info.add(tierMetadata, failures, total, nil)
				continue
			}
			byCol := r.pending[i][rg]
			if byCol == nil {
				byCol = map[string][]valueCheck{}
				r.pending[i][rg] = byCol
			}
			byCol[fc.Path] = append(byCol[fc.Path], vc)
		}
	}
}

// proven is a check's failure count and values tested on a chunk (or page)
// when its statistics decide it.
func proven(vc valueCheck, col *parquetx.Column, st parquetx.ChunkStats) (failures, total int64, ok bool) {
	failures, ok = vc.fromStats(col, st)
	if !ok {
		return 0, 0, false
	}
	total = st.NumValues
	if _, isNull := vc.(*notNullCheck); !isNull {
		total, _ = nonNull(col, st)
	}
	return failures, total, true
}

// addKey registers a uniqueness check over key columns.
func (r *run) addKey(info *checkInfo, cols []string) func() evidence.Check {
	k := newKeyCheck(info, cols)
	if r.opts.Shard != nil {
		k.shard = r.opts.Shard
		k.hashOf = k.stableHash
	}
	if r.opts.keyHash != nil {
		k.hashOf = r.opts.keyHash
	}
	r.keys = append(r.keys, k)
	render := func() evidence.Check { return k.evidenceCheck(k.message()) }
	r.parts = append(r.parts, part{info: k.checkInfo, render: render})
	for i, f := range r.files {
		for _, name := range cols {
			fc := f.Schema.Lookup(name)
			if fc == nil || !fc.Leaf || fc.MaxRepetitionLevel > 0 {
				what := "missing"
				if fc != nil {
					what = "not a single-valued column"
				}
				k.broken = fmt.Sprintf("cannot check uniqueness: %s is %s in %s", name, what, f.Path)
				return render
			}
		}
		for _, name := range cols {
			r.keyCols[i][name] = append(r.keyCols[i][name], k)
		}
	}
	if r.opts.keyHash == nil && k.shard == nil {
		k.useBitmap(r.files)
	}
	return render
}

// scan reads the chunks still pending (pass 1) or the key columns again to
// confirm candidate duplicates (pass 2), file by file, chunks in parallel.
func (r *run) scan(ctx context.Context, pass2 bool) error {
	for i, f := range r.files {
		cols := map[string]bool{}
		if !pass2 && r.opts.VerifyAll {
			for _, l := range f.Schema.Leaves {
				cols[l.Path] = true
			}
		}
		if !pass2 {
			for _, byCol := range r.pending[i] {
				for name := range byCol {
					cols[name] = true
				}
			}
		}
		for name, keys := range r.keyCols[i] {
			for _, k := range keys {
				if k.active(pass2) {
					cols[name] = true
				}
			}
		}
		if len(cols) == 0 {
			continue
		}
		var names []string
		for _, l := range f.Schema.Leaves {
			if cols[l.Path] {
				names = append(names, l.Path)
			}
		}
		fileIdx := i
		err := parquetx.Scan(ctx, []*parquetx.File{f}, names, r.opts.Scan, func(c *parquetx.Chunk) (parquetx.ChunkVisitor, error) {
			v := &chunkVisitor{chunk: c, fileIdx: fileIdx, verify: r.opts.VerifyAll && !pass2 && r.inShard(fileIdx, c.RowGroup)}
			if !pass2 {
				v.checks = r.pending[fileIdx][c.RowGroup][c.Column.Path]
				v.state = make([]chunkState, len(v.checks))
			}
			for _, k := range r.keyCols[fileIdx][c.Column.Path] {
				if k.active(pass2) {
					v.keys = append(v.keys, k.startChunk(c, fileIdx, pass2))
				}
			}
			if len(v.checks) == 0 && len(v.keys) == 0 && (pass2 || !r.opts.VerifyAll) {
				return nil, nil
			}
			return v, nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// chunkState is one value check's outcome on one chunk.
type chunkState struct {
	done     bool
	tier     string
	failures int64
	total    int64
	examples []example
}

// chunkVisitor runs a chunk's pending checks over its dictionary or values.
type chunkVisitor struct {
	chunk   *parquetx.Chunk
	fileIdx int
	checks  []valueCheck
	state   []chunkState
	keys    []*keyChunk
	// verify keeps reading values after the dictionary decided everything,
	// so the scanner's integrity cross-checks run on every page.
	verify bool
}

func (v *chunkVisitor) Dictionary(entries []parquet.Value) (bool, error) {
	total, known := nonNull(v.chunk.Column, v.chunk.Stats)
	open := len(v.keys) > 0 || v.verify
	for i, c := range v.checks {
		if !c.perValue() || !known {
			open = true
			continue
		}
		clean := true
		for _, e := range entries {
			if c.test(v.chunk.Column, e) == fail {
				clean = false
				break
			}
		}
		if clean {
			v.state[i] = chunkState{done: true, tier: tierDictionary, total: total}
		} else {
			open = true
		}
	}
	return open, nil
}

// SelectPages skips the pages of a flat column whose page index proves every
// pending check with no failure (so no example is lost), counting their
// values as tested.
func (v *chunkVisitor) SelectPages(pages []parquetx.PageStats) []bool {
	need := make([]bool, len(pages))
	some := false
	for i, p := range pages {
		need[i] = len(v.keys) > 0 || v.verify
		st := parquetx.ChunkStats{NumRows: p.Rows, NumValues: p.Rows, NullCount: p.NullCount, HasNullCount: p.HasNullCount,
			Min: p.Min, Max: p.Max, HasMin: p.HasBounds, HasMax: p.HasBounds}
		for j, c := range v.checks {
			if v.state[j].done {
				continue
			}
			if failures, _, ok := proven(c, v.chunk.Column, st); !ok || failures > 0 {
				need[i] = true
			}
		}
		if !need[i] {
			for j, c := range v.checks {
				if !v.state[j].done {
					_, total, _ := proven(c, v.chunk.Column, st)
					v.state[j].total += total
				}
			}
		}
		some = some || need[i]
	}
	if !some {
		for j := range v.state {
			if !v.state[j].done {
				v.state[j].done, v.state[j].tier = true, tierMetadata
			}
		}
	}
	return need
}

func (v *chunkVisitor) Values(b parquetx.Batch) error {
	col := v.chunk.Column
	for i, c := range v.checks {
		s := &v.state[i]
		if s.done {
			continue
		}
		for j, val := range b.Values {
			switch c.test(col, val) {
			case pass:
				s.total++
			case fail:
				s.total++
				s.failures++
				if len(s.examples) < maxExamples {
					s.examples = append(s.examples, example{file: v.fileIdx, fileName: v.chunk.File.Path, rowGroup: v.chunk.RowGroup, row: b.Rows[j], value: col.Display(val)})
				}
			}
		}
	}
	for _, k := range v.keys {
		k.values(b)
	}
	return nil
}

func (v *chunkVisitor) Close() error {
	for i, c := range v.checks {
		s := v.state[i]
		tier := s.tier
		if !s.done {
			tier = tierScan
		}
		c.info().add(tier, s.failures, s.total, s.examples)
	}
	for _, k := range v.keys {
		k.close()
	}
	return nil
}
