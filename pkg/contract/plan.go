package contract

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/RoaringBitmap/roaring/v2/roaring64"
	"github.com/parquet-go/parquet-go"

	"github.com/mlgate/mlgate/pkg/evidence"
	"github.com/mlgate/mlgate/pkg/parquetx"
)

// Plan is a compiled contract, ready to run on any number of datasets, one
// after another or at once: Compile builds every check (patterns compiled,
// allowed sets hashed) and a run keeps its findings apart, in outcomes.
type Plan struct {
	contract *Contract
	columns  []*columnPlan
	// keys are the dataset's unique keys.
	keys []*keyCheck
	// nchecks is the number of value checks (base.idx runs below it).
	nchecks int
}

// columnPlan is a contract column's compiled checks.
type columnPlan struct {
	col    *Column
	checks []valueCheck
	unique *keyCheck
}

// Compile prepares a contract for validation.
func Compile(c *Contract) (*Plan, error) {
	p := &Plan{contract: c}
	for _, col := range c.Columns {
		cp, err := p.compileColumn(col)
		if err != nil {
			return nil, err
		}
		p.columns = append(p.columns, cp)
	}
	for _, key := range c.Dataset.Unique {
		id := "dataset.unique." + strings.Join(key.Value, ",")
		kc := &keyCheck{base: p.base(id, "", severityOf(key.Severity, ""), mostlyOf(key.Mostly, 0), key.Pos, map[string]any{"unique": key.Value}), columns: key.Value}
		kc.where = key.Where
		p.keys = append(p.keys, kc)
	}
	return p, nil
}

func (p *Plan) base(id, column string, sev evidence.Severity, mostly float64, at Pos, expected any) base {
	return base{id: id, column: column, severity: sev, mostly: mostly, source: p.source(at), expected: expected}
}

func (p *Plan) source(at Pos) evidence.Source {
	return evidence.Source{File: p.contract.File, Line: at.Line, Column: at.Column}
}

// compileColumn builds a column's value checks, in the order of the evidence.
func (p *Plan) compileColumn(col *Column) (*columnPlan, error) {
	prefix := "column." + col.Name + "."
	info := func(rule string, severity evidence.Severity, m float64, at Pos, expected any, mf ...*MaxFailures) base {
		b := p.base(prefix+rule, col.Name, severityOf(severity, col.Default.Severity), mostlyOf(m, col.Default.Mostly), at, expected)
		if len(mf) > 0 {
			b.maxFailures = mf[0]
		}
		return b
	}
	cp := &columnPlan{col: col}
	add := func(vc valueCheck, where *Filter) {
		vc.def().idx = p.nchecks
		vc.def().where = where
		p.nchecks++
		cp.checks = append(cp.checks, vc)
	}
	if col.Nullable != nil && !col.Nullable.Value {
		add(&notNullCheck{base: info("nullable", col.Nullable.Severity, col.Nullable.Mostly, col.Nullable.Pos, map[string]any{"nullable": false}, col.Nullable.MaxFailures)}, col.Nullable.Where)
	}
	if rule := col.MaxNullFraction; rule != nil {
		c := &notNullCheck{base: info("max_null_fraction", rule.Severity, 0, rule.Pos, map[string]any{"max_null_fraction": rule.Value}), maxFraction: rule.Value}
		c.mostly = 1 - rule.Value
		add(c, rule.Where)
	}
	if rule := col.Missing; rule != nil {
		add(newMissingCheck(info("missing", rule.Severity, rule.Mostly, rule.Pos, map[string]any{"missing": rule.Value.expected()}, rule.MaxFailures), rule.Value), rule.Where)
	}
	if rule := col.Freshness; rule != nil {
		add(newFreshnessCheck(info("freshness", rule.Severity, 0, rule.Pos, map[string]any{"freshness": FormatAge(rule.Value)}), rule.Value), rule.Where)
	}
	if rule := col.Min; rule != nil {
		add(newBoundCheck(info("min", rule.Severity, rule.Mostly, rule.Pos, map[string]any{"min": json.Number(rule.Value.Text)}, rule.MaxFailures), rule.Value, false), rule.Where)
	}
	if rule := col.Max; rule != nil {
		add(newBoundCheck(info("max", rule.Severity, rule.Mostly, rule.Pos, map[string]any{"max": json.Number(rule.Value.Text)}, rule.MaxFailures), rule.Value, true), rule.Where)
	}
	if rule := col.Allowed; rule != nil {
		add(newAllowedCheck(info("allowed", rule.Severity, rule.Mostly, rule.Pos, map[string]any{"allowed": rule.Value}, rule.MaxFailures), rule.Value), rule.Where)
	}
	if rule := col.Pattern; rule != nil {
		re, err := regexp.Compile(rule.Value)
		if err != nil {
			return nil, &Error{File: p.contract.File, Pos: rule.Pos, Msg: err.Error()}
		}
		add(&patternCheck{base: info("pattern", rule.Severity, rule.Mostly, rule.Pos, map[string]any{"pattern": rule.Value}, rule.MaxFailures), re: re, fast: compileSeq(rule.Value)}, rule.Where)
	}
	if rule := col.MinLength; rule != nil {
		add(&lengthCheck{base: info("min_length", rule.Severity, rule.Mostly, rule.Pos, map[string]any{"min_length": rule.Value}, rule.MaxFailures), limit: rule.Value}, rule.Where)
	}
	if rule := col.MaxLength; rule != nil {
		add(&lengthCheck{base: info("max_length", rule.Severity, rule.Mostly, rule.Pos, map[string]any{"max_length": rule.Value}, rule.MaxFailures), limit: rule.Value, upper: true}, rule.Where)
	}
	if rule := col.Unique; rule != nil && rule.Value {
		cp.unique = &keyCheck{base: info("unique", rule.Severity, rule.Mostly, rule.Pos, map[string]any{"unique": true}, rule.MaxFailures), columns: []string{col.Name}}
		cp.unique.where = rule.Where
	}
	return cp, nil
}

// Options tunes a run.
type Options struct {
	Scan parquetx.ScanOptions
	// VerifyAll decodes every page of every column, so that corruption is
	// found even in columns no undecided check reads.
	VerifyAll bool
	// AsOf is the time freshness is judged at; zero means now.
	AsOf time.Time
	// TableStats, when set, gives a file's column statistics from a
	// lakehouse table's metadata (Delta log, Iceberg manifest): the first
	// tier, tried before the file's footer. It proves passes only.
	TableStats func(file int, col *parquetx.Column) (parquetx.ChunkStats, bool)
	// TableRows, when set, is the dataset's live row count as a table's
	// metadata states it: row bounds are decided from it (tier
	// table-metadata), not from the files given.
	TableRows *int64
	// Shard, when set, validates one shard of the dataset (see
	// evidence.ValidationShard); MergeShards combines the shards' results.
	Shard *evidence.Shard
	// Where, when set, restricts the whole run to the rows matching it,
	// beside the contract's own filter.
	Where *Filter
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
	plan *Plan
	// asOf is the time freshness is judged at.
	asOf time.Time
	// files are the dataset's files; opened[i] is file i once a check
	// needed its footer or data (open), nil before.
	files  []*parquetx.Handle
	opened []*parquetx.File
	// warned[i] says file i's footer warnings were reported.
	warned []bool
	opts   Options
	// outcomes[base.idx] is what the run found for each value check.
	outcomes []*outcome
	// pending[file][rowGroup][column] lists the value checks a chunk still
	// needs after the metadata tier.
	pending []map[int]map[string][]valueCheck
	keys    []*keyRun
	// keyCols[file][column] lists the key checks reading that column.
	keyCols []map[string][]*keyRun
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
	// where is the run's filter (the contract's and the options'); sels
	// the selections of every filter met, by text; checkSel[base.idx] a
	// value check's.
	where    *Filter
	sels     map[string]*selection
	checkSel []*selection
}

// Run validates the dataset formed by files. A *parquetx.CorruptError (or
// another error) means the data could not be validated.
func (p *Plan) Run(ctx context.Context, files []*parquetx.File, opts Options) (*Result, error) {
	return p.RunHandles(ctx, parquetx.OpenedAll(files), opts)
}

// RunHandles is Run over files a run may not have opened yet (a table's
// live files described by its metadata, parquetx.Deferred): a file is
// opened only when a check needs more than its columns, its live row
// count and the table's statistics (Options.TableStats). The caller
// closes the handles.
func (p *Plan) RunHandles(ctx context.Context, files []*parquetx.Handle, opts Options) (*Result, error) {
	r := &run{plan: p, files: files, opts: opts, decided: map[string]int{}, outcomes: make([]*outcome, p.nchecks), asOf: cmp.Or(opts.AsOf, time.Now())}
	for i := range r.outcomes {
		r.outcomes[i] = newOutcome(r.asOf)
	}
	r.pending = make([]map[int]map[string][]valueCheck, len(files))
	r.keyCols = make([]map[string][]*keyRun, len(files))
	r.opened, r.warned = make([]*parquetx.File, len(files)), make([]bool, len(files))
	for i, h := range files {
		r.pending[i] = map[int]map[string][]valueCheck{}
		r.keyCols[i] = map[string][]*keyRun{}
		if h.IsOpen() {
			if _, err := r.open(i); err != nil {
				return nil, err
			}
		}
	}
	if opts.Shard != nil || opts.VerifyAll {
		// Shards number row groups; verifying reads every page.
		if _, err := r.openAll(); err != nil {
			return nil, err
		}
	}
	r.owned = shardRowGroups(r.opened, opts.Shard)
	if err := r.selectAll(ctx); err != nil {
		return nil, err
	}
	var rows int64
	for _, h := range files {
		rows += h.Rows
	}
	r.warn()
	r.datasetChecks()
	var later []func() evidence.Check
	for _, cp := range p.columns {
		later = append(later, r.columnChecks(cp)...)
	}
	if r.err != nil {
		return nil, r.err
	}
	for _, k := range p.keys {
		later = append(later, r.addKey(k))
	}
	if r.err != nil {
		return nil, r.err
	}
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
	r.warn() // of the files opened since
	for _, f := range later {
		r.emit(f())
	}
	if err := r.attachKeys(ctx, r.out, p.contract.Dataset.Keys); err != nil {
		return nil, err
	}
	if opts.TableRows != nil {
		rows = *opts.TableRows
	}
	details := p.details(rows, r.decided)
	r.filterDetails(&details)
	if opts.Shard != nil {
		details.Shard = r.shardState()
	}
	return &Result{Checks: r.out, Details: details}, nil
}

// open opens file i on first need.
func (r *run) open(i int) (*parquetx.File, error) {
	if r.opened[i] == nil {
		f, err := r.files[i].File()
		if err != nil {
			return nil, err
		}
		r.opened[i] = f
	}
	return r.opened[i], nil
}

// openAll opens every file, for the steps that read them all (shards,
// row filters, uniqueness, verifying every page).
func (r *run) openAll() ([]*parquetx.File, error) {
	for i := range r.files {
		if _, err := r.open(i); err != nil {
			return nil, err
		}
	}
	return r.opened, nil
}

// described reports whether no file is open: the run knows every file
// by its table's description only.
func (r *run) described() bool {
	for _, f := range r.opened {
		if f != nil {
			return false
		}
	}
	return len(r.opened) > 0
}

// warn reports the footer warnings of the files opened and not reported yet.
func (r *run) warn() {
	for i, f := range r.opened {
		if f == nil || r.warned[i] {
			continue
		}
		r.warned[i] = true
		for _, w := range f.Warnings {
			r.emit(evidence.Check{ID: "file.metadata", Status: evidence.StatusWarn, Severity: evidence.SeverityWarn,
				Message: w, Location: &evidence.Location{File: f.Path}, DecidedBy: tierMetadata})
		}
	}
}

func (r *run) emit(c evidence.Check) {
	if c.DecidedBy != "" {
		r.decided[c.DecidedBy]++
	}
	r.out = append(r.out, c)
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
	src := r.plan.source(at)
	tier := tierMetadata
	if r.described() {
		tier = tierTable // the schemas are the table's description of its files
	}
	c := evidence.Check{ID: id, Status: st, Severity: sev, Message: msg, Expected: expected, Source: &src, DecidedBy: tier}
	if column != "" {
		c.Location = &evidence.Location{Column: column}
	}
	return c
}

func constant(c evidence.Check) func() evidence.Check { return func() evidence.Check { return c } }

// details are the validation's details: the contract, the rows, how checks
// were decided and the contract rules not run.
func (p *Plan) details(rows int64, decided map[string]int) evidence.ValidationDetails {
	d := evidence.ValidationDetails{Contract: p.contract.File, Rows: rows, DecidedBy: decided}
	if p.contract.Format == FormatODCS {
		d.Format, d.Object = FormatODCS, p.contract.Object
	}
	for _, s := range p.contract.Skipped {
		src := p.source(s.Pos)
		d.Skipped = append(d.Skipped, evidence.SkippedRule{Rule: s.Rule, Reason: s.Reason, Source: &src})
	}
	return d
}

func (r *run) datasetChecks() {
	d := r.plan.contract.Dataset
	for _, rr := range []*Rule[int64]{d.MinRows, d.MaxRows} {
		if rr == nil {
			continue
		}
		id, key := "dataset.rows.min", "min"
		if rr == d.MaxRows {
			id, key = "dataset.rows.max", "max"
		}
		sel := r.sels[r.where.And(rr.Where).text()]
		c := r.schemaCheck(id, "", rr.Pos, severityOf(rr.Severity, ""), map[string]any{key: rr.Value}, rowsRule{limit: rr.Value, upper: rr == d.MaxRows, sel: sel, known: r.opts.TableRows})
		if r.opts.TableRows != nil && sel == nil {
			c.DecidedBy = tierTable
		}
		sel.note(&c)
		r.emit(c)
	}
	if d.Strict != nil && d.Strict.Value {
		r.emit(r.schemaCheck("dataset.strict", "", d.Strict.Pos, severityOf(d.Strict.Severity, ""), map[string]any{"strict": true}, strictRule{columns: r.plan.contract.Columns}))
	}
}

// columnChecks emits the presence and type checks of a contract column and
// registers its value checks; it returns how to render the latter once the
// data has been read.
func (r *run) columnChecks(cp *columnPlan) []func() evidence.Check {
	col := cp.col
	prefix := "column." + col.Name + "."
	sev := func(s evidence.Severity) evidence.Severity { return severityOf(s, col.Default.Severity) }
	// usable[i] is the file's column when present with the right type.
	usable := make([]*parquetx.Column, len(r.files))
	somewhere, binary := false, false
	for i, f := range r.files {
		fc := f.Schema.Lookup(col.Name)
		somewhere = somewhere || fc != nil
		if fc != nil && (col.Type == nil || col.Type.Value.Matches(fc.Type)) {
			usable[i] = fc
			binary = binary || fc.Type.Name != parquetx.TypeString
		}
	}
	out := []func() evidence.Check{constant(r.schemaCheck(prefix+"present", col.Name, col.Pos, sev(""), nil, presentRule{col.Name}))}
	if col.Type != nil && somewhere {
		out = append(out, constant(r.schemaCheck(prefix+"type", col.Name, col.Type.Pos, sev(col.Type.Severity),
			map[string]any{"type": col.Type.Value.String()}, typeRule{col.Name, col.Type.Value})))
	}
	for _, vc := range cp.checks {
		o := r.outcomes[vc.def().idx]
		o.binary = binary
		r.register(vc, o, usable)
		sel := r.selOf(vc.def().idx)
		render := func() evidence.Check {
			c := vc.def().render(o, vc.message(o))
			c.Observed = vc.observed(o)
			sel.note(&c)
			return c
		}
		bc, _ := vc.(*boundCheck)
		r.parts = append(r.parts, part{def: vc.def(), outcome: o, bound: bc, render: render})
		out = append(out, render)
	}
	if cp.unique != nil {
		out = append(out, r.addKey(cp.unique))
	}
	return out
}

// register decides what it can of a value check from the schema, footer
// statistics and page index, and queues the other chunks for the dictionary or a scan.
func (r *run) register(vc valueCheck, info *outcome, usable []*parquetx.Column) {
	sel := r.selOf(vc.def().idx)
	for i, fc := range usable {
		if fc == nil {
			continue
		}
		h := r.files[i]
		if _, isNull := vc.(*notNullCheck); isNull && (!fc.Leaf || fc.InCollection) {
			// Whether a group or a list can be null is decided by its
			// schema (an empty list is not a null).
			if fc.Repetition == "optional" {
				info.broken = fmt.Sprintf("%s is optional in the schema of %s, so it can be null", fc.Path, h.Path)
			}
			info.tiers[tierMetadata] = true
			continue
		}
		if why := vc.rejects(fc); why != "" && fc.Leaf {
			info.broken = why + " in " + h.Path
			continue
		}
		if !fc.Leaf {
			info.broken = fmt.Sprintf("%s is a %s in %s; constrain its leaf fields by dotted path", fc.Path, fc.Type, h.Path)
			continue
		}
		// A table's statistics describe whole files, which shards split.
		if r.opts.TableStats != nil && !r.opts.VerifyAll && r.owned == nil && sel == nil {
			if st, ok := r.opts.TableStats(i, fc); ok {
				live := h.Rows
				if pf := r.opened[i]; pf != nil {
					live = pf.LiveRows() - pf.NumRows + st.NumRows
				}
				if failures, total, ok := liveProven(vc, fc, st, info, live); ok && failures == 0 {
					info.add(tierTable, 0, total, nil)
					continue
				}
			}
		}
		// The footer tier: the file is opened, its column is the footer's.
		f, err := r.open(i)
		if err != nil {
			if r.err == nil {
				r.err = err
			}
			return
		}
		fc = f.Schema.Lookup(fc.Path)
		for rg := 0; rg < f.NumRowGroups(); rg++ {
			if !r.inShard(i, rg) {
				continue
			}
			// A row group the filter excludes is not read; one it keeps in
			// part is read, testing only the rows kept (statistics describe
			// them all).
			state := sel.state(i, rg)
			if state == rgNone {
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
			// Rows a filter leaves out count as excluded: the statistics
			// still prove passes, with the kept rows as the total.
			live := st.NumRows - f.RowGroupExcluded(rg)
			if state == rgPartial {
				live = int64(keptIn(sel.mask(i, rg), f.RowGroupStart[rg], st.NumRows))
			}
			// Verifying decides from the values, so statistics that lie
			// about them (a hostile writer's) cannot pass a check.
			if failures, total, ok := liveProven(vc, fc, st, info, live); ok && !r.opts.VerifyAll && (failures == 0 || vc.def().decidedByCounts()) {
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

// countsNulls reports whether a check judges nulls rather than skipping them.
func countsNulls(vc valueCheck) bool {
	switch c := vc.(type) {
	case *notNullCheck:
		return true
	case *missingCheck:
		return c.nulls
	}
	return false
}

// proven is a check's failure count and values tested on a chunk (or page)
// when its statistics decide it.
func proven(vc valueCheck, col *parquetx.Column, st parquetx.ChunkStats, o *outcome) (failures, total int64, ok bool) {
	failures, ok = vc.fromStats(col, st, o)
	if !ok {
		return 0, 0, false
	}
	total = st.NumValues
	if !countsNulls(vc) {
		total, _ = nonNull(col, st)
	}
	return failures, total, true
}

// liveProven is proven for a chunk of which only live rows count: its
// statistics also describe its excluded rows (mask.go in parquetx), so
// they still prove a pass (not freshness, which needs a live value), with
// its total only when the excluded rows' share of it is known (flat
// column, and every value counted or none null), and failures never.
func liveProven(vc valueCheck, col *parquetx.Column, st parquetx.ChunkStats, o *outcome, live int64) (failures, total int64, ok bool) {
	excluded := st.NumRows - live
	if _, fresh := vc.(*freshnessCheck); fresh && excluded > 0 {
		return 0, 0, false // the newest value may be an excluded one
	}
	failures, total, ok = proven(vc, col, st, o)
	if !ok || excluded == 0 {
		return failures, total, ok
	}
	switch {
	case failures > 0 || col.MaxRepetitionLevel > 0:
		return 0, 0, false
	case total == 0:
		return 0, 0, true
	case total == st.NumValues:
		return 0, total - excluded, true
	}
	return 0, 0, false
}

// addKey registers a uniqueness check over key columns.
func (r *run) addKey(kc *keyCheck) func() evidence.Check {
	k := kc.start()
	cols := kc.columns
	if r.opts.Shard != nil {
		k.shard = r.opts.Shard
		k.hashOf = stableHash
	}
	if r.opts.keyHash != nil {
		k.hashOf, k.customHash = r.opts.keyHash, true
	}
	r.keys = append(r.keys, k)
	k.sel = r.sels[r.where.And(kc.where).text()]
	render := func() evidence.Check {
		c := k.render(k.outcome, k.message())
		k.sel.note(&c)
		return c
	}
	r.parts = append(r.parts, part{def: &kc.base, outcome: k.outcome, render: render})
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
	files, err := r.openAll() // a key is checked by reading every file
	if err != nil {
		if r.err == nil {
			r.err = err
		}
		return render
	}
	if r.opts.keyHash == nil && k.shard == nil {
		k.useBitmap(files)
	}
	return render
}

// scan reads the chunks still pending (pass 1) or the key columns again to
// confirm candidate duplicates (pass 2), file by file, chunks in parallel.
func (r *run) scan(ctx context.Context, pass2 bool) error {
	for i := range r.files {
		cols := map[string]bool{}
		if !pass2 && r.opts.VerifyAll {
			for _, l := range r.opened[i].Schema.Leaves { // VerifyAll opened every file
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
		f, err := r.open(i)
		if err != nil {
			return err
		}
		var names []string
		for _, l := range f.Schema.Leaves {
			if cols[l.Path] {
				names = append(names, l.Path)
			}
		}
		fileIdx := i
		err = parquetx.Scan(ctx, []*parquetx.File{f}, names, r.opts.Scan, func(c *parquetx.Chunk) (parquetx.ChunkVisitor, error) {
			v := &chunkVisitor{chunk: c, fileIdx: fileIdx, verify: r.opts.VerifyAll && !pass2 && r.inShard(fileIdx, c.RowGroup), outcomes: r.outcomes}
			if !pass2 {
				v.checks = r.pending[fileIdx][c.RowGroup][c.Column.Path]
				v.state = make([]chunkState, len(v.checks))
				v.masks = make([]*roaring64.Bitmap, len(v.checks))
				for j, vc := range v.checks {
					v.masks[j] = r.selOf(vc.def().idx).mask(fileIdx, c.RowGroup)
				}
			}
			for _, k := range r.keyCols[fileIdx][c.Column.Path] {
				if k.active(pass2) && k.sel.state(fileIdx, c.RowGroup) != rgNone {
					kc := k.startChunk(c, fileIdx, pass2)
					kc.mask = k.sel.mask(fileIdx, c.RowGroup)
					v.keys = append(v.keys, kc)
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
	// masks[i], when set, holds the rows check i tests in this chunk: its
	// row filter keeps only some.
	masks []*roaring64.Bitmap
	// outcomes are the run's, indexed by base.idx.
	outcomes []*outcome
	// memo[i][entry] is check i's verdict on an entry of dict, the
	// dictionary of the pages read last.
	dict parquet.Dictionary
	memo [][]verdict
	// buf and rows hold a page turned into values (batch).
	buf  []parquet.Value
	rows []int64
	keys []*keyChunk
	// verify keeps reading values after the dictionary decided everything,
	// so the scanner's integrity cross-checks run on every page.
	verify bool
}

func (v *chunkVisitor) Dictionary(entries []parquet.Value) (bool, error) {
	total, known := nonNull(v.chunk.Column, v.chunk.Stats)
	open := len(v.keys) > 0 || v.verify
	for i, c := range v.checks {
		if !c.perValue() || !known || v.masks[i] != nil {
			open = true
			continue
		}
		clean := true
		for _, e := range entries {
			if c.test(v.chunk.Column, e, v.outcomes[c.def().idx]) == fail {
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
			if m := v.masks[j]; m != nil {
				// A page of none of the rows the filter keeps is not read.
				// (A page's end is the next one's start: Rows may count
				// only the rows a table has not deleted.)
				end := v.chunk.Stats.NumRows
				if i+1 < len(pages) {
					end = pages[i+1].FirstRow
				}
				need[i] = need[i] || keptIn(m, v.chunk.FirstRow+p.FirstRow, end-p.FirstRow) > 0
				continue
			}
			if failures, _, ok := proven(c, v.chunk.Column, st, v.outcomes[c.def().idx]); !ok || failures > 0 {
				need[i] = true
			}
		}
		if !need[i] {
			for j, c := range v.checks {
				if !v.state[j].done && v.masks[j] == nil {
					_, total, _ := proven(c, v.chunk.Column, st, v.outcomes[c.def().idx])
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
	for i := range v.checks {
		v.testBatch(i, b)
	}
	for _, k := range v.keys {
		k.values(b)
	}
	return nil
}

// testBatch runs check i over a batch of values.
func (v *chunkVisitor) testBatch(i int, b parquetx.Batch) {
	s, c, col := &v.state[i], v.checks[i], v.chunk.Column
	if s.done {
		return
	}
	o := v.outcomes[c.def().idx]
	mask := v.masks[i]
	for j, val := range b.Values {
		if mask != nil && !mask.Contains(uint64(b.Rows[j])) {
			continue
		}
		switch c.test(col, val, o) {
		case pass:
			s.total++
		case fail:
			s.total++
			v.fail(s, b.Rows[j], val)
		}
	}
}

// fail counts a failure, keeping the first few as examples.
func (v *chunkVisitor) fail(s *chunkState, row int64, val parquet.Value) {
	s.failures++
	if len(s.examples) < maxExamples {
		s.examples = append(s.examples, example{file: v.fileIdx, fileName: v.chunk.File.Path, rowGroup: v.chunk.RowGroup, row: row, value: v.chunk.Column.Display(val)})
	}
}

// Page runs the pending checks over a whole page in one decode: a check of
// single values judges each dictionary entry once and maps the indexes,
// and one with a byte test (patterns, lengths, allowed strings) reads the
// value bytes in place. The other checks and the keys get parquet.Values.
func (v *chunkVisitor) Page(p parquetx.Page) error {
	col := v.chunk.Column
	var generic []int
	var byteTests []byteTest
	for i, c := range v.checks {
		if v.state[i].done {
			continue
		}
		if v.masks[i] != nil {
			generic = append(generic, i)
			continue
		}
		if p.Dict != nil && c.perValue() {
			v.dictPage(i, &p)
			continue
		}
		if bt, ok := c.(bytesTester); ok && p.Offsets != nil {
			if test := bt.bytesTest(col); test != nil {
				byteTests = append(byteTests, byteTest{i, test})
				continue
			}
		}
		if bc, ok := c.(*boundCheck); ok && v.boundPage(i, bc, &p) {
			continue
		}
		generic = append(generic, i)
	}
	if len(byteTests) > 0 {
		v.bytesPage(&p, byteTests)
	}
	var keys []*keyChunk
	for _, k := range v.keys {
		if !k.numberPage(&p) {
			keys = append(keys, k)
		}
	}
	if len(generic) == 0 && len(keys) == 0 {
		return nil
	}
	b := v.batch(&p)
	for _, i := range generic {
		v.testBatch(i, b)
	}
	for _, k := range keys {
		k.values(b)
	}
	return nil
}

// NumberPages asks Scan for pages of numbers whole (Page.Int64...).
func (v *chunkVisitor) NumberPages() {}

// boundPage runs bound check i over a page of numbers in a plain loop,
// reporting false when the page or the column's type needs parquet.Values.
func (v *chunkVisitor) boundPage(i int, c *boundCheck, p *parquetx.Page) bool {
	col := v.chunk.Column
	s := &v.state[i]
	rows := rowCursor{p: p}
	failInt := func(k int, u int64, val parquet.Value) {
		x := parquetx.Exact{Int: parquetx.Int128Of(u)}
		if col.Type.Name.IsDecimal() {
			x.Scale = col.Type.Scale
		}
		c.noteFailure(v.outcomes[c.idx], x)
		v.fail(s, rows.of(k), val)
	}
	failFloat := func(k int, f float64, val parquet.Value) {
		c.noteFailure(v.outcomes[c.idx], parquetx.Exact{Float: true, F: f})
		v.fail(s, rows.of(k), val)
	}
	switch {
	case p.Int64 != nil:
		test := c.intTest(col)
		if test == nil {
			return false
		}
		for k, u := range p.Int64 {
			if !test(u) {
				failInt(k, u, parquet.Int64Value(u))
			}
		}
		s.total += int64(len(p.Int64))
	case p.Int32 != nil:
		test := c.intTest(col)
		if test == nil {
			return false
		}
		for k, u := range p.Int32 {
			if !test(int64(u)) {
				failInt(k, int64(u), parquet.Int32Value(u))
			}
		}
		s.total += int64(len(p.Int32))
	case p.Double != nil:
		test := c.floatTest(col)
		for k, f := range p.Double {
			if !test(f) {
				failFloat(k, f, parquet.DoubleValue(f))
			}
		}
		s.total += int64(len(p.Double))
	case p.Float != nil:
		test := c.floatTest(col)
		for k, f := range p.Float {
			if !test(float64(f)) {
				failFloat(k, float64(f), parquet.FloatValue(f))
			}
		}
		s.total += int64(len(p.Float))
	default:
		return false
	}
	return true
}

// dictPage runs check i over a dictionary-encoded page, testing each entry
// the first time the chunk uses it.
func (v *chunkVisitor) dictPage(i int, p *parquetx.Page) {
	s, c, col := &v.state[i], v.checks[i], v.chunk.Column
	o := v.outcomes[c.def().idx]
	if v.dict != p.Dict {
		v.dict, v.memo = p.Dict, make([][]verdict, len(v.checks))
	}
	memo := v.memo[i]
	if memo == nil {
		memo = make([]verdict, p.Dict.Len())
		for j := range memo {
			memo[j] = untested
		}
		v.memo[i] = memo
	}
	rows := rowCursor{p: p}
	for k, idx := range p.Index {
		vd := memo[idx]
		if vd == untested {
			vd = c.test(col, p.Dict.Index(idx), o)
			memo[idx] = vd
		}
		switch vd {
		case pass:
			s.total++
		case fail:
			s.total++
			v.fail(s, rows.of(k), p.Dict.Index(idx))
		}
	}
}

// byteTest is check i's test of a value's bytes.
type byteTest struct {
	i    int
	test func([]byte) bool
}

// bytesPage runs the byte tests of a column's checks over a page of byte
// arrays in one pass, each value sliced once for all of them.
func (v *chunkVisitor) bytesPage(p *parquetx.Page, tests []byteTest) {
	rows := rowCursor{p: p} // failures come in value order, whichever check
	n := len(p.Offsets) - 1
	for _, t := range tests {
		v.state[t.i].total += int64(n)
	}
	if len(tests) == 1 { // the common case, without the inner loop
		s, test := &v.state[tests[0].i], tests[0].test
		for k := range n {
			if b := p.Bytes[p.Offsets[k]:p.Offsets[k+1]]; !test(b) {
				v.fail(s, rows.of(k), parquet.ByteArrayValue(b))
			}
		}
		return
	}
	for k := range n {
		b := p.Bytes[p.Offsets[k]:p.Offsets[k+1]]
		for _, t := range tests {
			if !t.test(b) {
				v.fail(&v.state[t.i], rows.of(k), parquet.ByteArrayValue(b))
			}
		}
	}
}

// batch turns a page into parquet.Values, nulls included, for the checks
// and keys that take values.
func (v *chunkVisitor) batch(p *parquetx.Page) parquetx.Batch {
	if cap(v.buf) < p.Rows {
		v.buf, v.rows = make([]parquet.Value, p.Rows), make([]int64, p.Rows)
	}
	vals, rows := v.buf[:p.Rows], v.rows[:p.Rows]
	k := 0
	for r := range vals {
		rows[r] = p.FirstRow + int64(r)
		if p.Def != nil && p.Def[r] != p.MaxDef {
			vals[r] = parquet.Value{}
			continue
		}
		switch {
		case p.Dict != nil:
			vals[r] = p.Dict.Index(p.Index[k])
		case p.Int64 != nil:
			vals[r] = parquet.Int64Value(p.Int64[k])
		case p.Int32 != nil:
			vals[r] = parquet.Int32Value(p.Int32[k])
		case p.Double != nil:
			vals[r] = parquet.DoubleValue(p.Double[k])
		case p.Float != nil:
			vals[r] = parquet.FloatValue(p.Float[k])
		default:
			vals[r] = parquet.ByteArrayValue(p.Bytes[p.Offsets[k]:p.Offsets[k+1]])
		}
		k++
	}
	return parquetx.Batch{Values: vals, Rows: rows}
}

// rowCursor finds the rows of a page's non-null values, asked in order.
type rowCursor struct {
	p      *parquetx.Page
	row, k int
}

func (c *rowCursor) of(k int) int64 {
	if c.p.Def == nil {
		return c.p.FirstRow + int64(k)
	}
	for ; ; c.row++ {
		if c.p.Def[c.row] == c.p.MaxDef {
			if c.k == k {
				return c.p.FirstRow + int64(c.row)
			}
			c.k++
		}
	}
}

func (v *chunkVisitor) Close() error {
	for i, c := range v.checks {
		s := v.state[i]
		tier := s.tier
		if !s.done {
			tier = tierScan
		}
		v.outcomes[c.def().idx].add(tier, s.failures, s.total, s.examples)
	}
	for _, k := range v.keys {
		k.close()
	}
	return nil
}
