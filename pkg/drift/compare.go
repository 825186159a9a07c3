package drift

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/mlgate/mlgate/pkg/evidence"
	"github.com/mlgate/mlgate/pkg/numfmt"
	"github.com/mlgate/mlgate/pkg/profile"
)

// Report is the outcome of comparing a current profile with a reference: the
// DriftReport details, the checks for the evidence document, and a summary.
type Report struct {
	Details evidence.DriftDetails
	Checks  []evidence.Check
	Summary string
}

// DriftedColumns lists the columns that drifted, in column order.
func (r *Report) DriftedColumns() []string {
	var names []string
	for _, c := range r.Details.Columns {
		if c.Drifted {
			names = append(names, c.Column)
		}
	}
	return names
}

// histogramCategories is how many of the reference's most frequent categories
// get a bar of their own in a categorical column's histogram.
const histogramCategories = 10

// Compare judges every column the two profiles share, then the dataset.
func Compare(ref, cur *profile.Profile, cfg Config) *Report {
	r := &Report{Details: evidence.DriftDetails{ShareThreshold: cfg.Share, Columns: []evidence.DriftColumn{}}}
	names := map[string]bool{}
	for _, c := range ref.Columns {
		names[c.Name] = true
	}
	for _, c := range cur.Columns {
		names[c.Name] = true
	}
	for _, name := range slices.Sorted(maps.Keys(names)) {
		if cfg.Columns[name].Exclude {
			continue
		}
		r.compareColumn(name, ref.Column(name), cur.Column(name), cfg)
	}
	// A config entry for a column neither side has is likely a typo; excluded
	// columns are not even read, so they are not looked for.
	for _, name := range slices.Sorted(maps.Keys(cfg.Columns)) {
		if !names[name] && !cfg.Columns[name].Exclude {
			r.Checks = append(r.Checks, evidence.Check{
				ID: "drift.config." + name, Status: evidence.StatusWarn, Severity: evidence.SeverityWarn,
				Message: fmt.Sprintf("the config names column %q, which neither profile has", name),
				Source:  cfg.source(name),
			})
		}
	}
	r.judgeDataset(cfg)
	return r
}

func (cfg Config) source(column string) *evidence.Source {
	if cfg.File == "" {
		return nil
	}
	return &evidence.Source{File: cfg.File, Line: cfg.line(column)}
}

func (r *Report) compareColumn(name string, ref, cur *profile.Column, cfg Config) {
	id := "drift.column." + name
	loc := &evidence.Location{Column: name}
	cc := cfg.Columns[name]
	problem := func(status evidence.Status, format string, args ...any) {
		r.Checks = append(r.Checks, evidence.Check{ID: id, Status: status, Severity: evidence.SeverityWarn,
			Message: fmt.Sprintf(format, args...), Location: loc, Source: cfg.source(name)})
	}
	switch {
	case ref == nil:
		problem(evidence.StatusWarn, "not in the reference profile: not compared")
		return
	case cur == nil:
		problem(evidence.StatusWarn, "in the reference profile but not in the current data")
		return
	case ref.Kind != cur.Kind:
		problem(evidence.StatusFail, "%s in the reference, %s now: the column changed type (%s → %s)", ref.Kind, cur.Kind, ref.Type, cur.Type)
		return
	}
	ref, cur = exactView(ref, cur)
	n, refN := distributionCount(cur), distributionCount(ref)
	driftedStatus := evidence.StatusWarn
	severity := evidence.SeverityWarn
	if cc.Severity == "error" {
		driftedStatus, severity = evidence.StatusFail, evidence.SeverityError
	}
	verdict := func(drifted bool) evidence.Status {
		if drifted {
			return driftedStatus
		}
		return evidence.StatusPass
	}
	col := evidence.DriftColumn{
		Column: name, Kind: string(ref.Kind), Method: "none", N: n, ReferenceN: refN,
		NullRate: cur.NullRate(), ReferenceNullRate: ref.NullRate(),
	}

	if n > 0 && refN > 0 {
		col.ReferenceHistogram, col.Histogram = histograms(ref, cur)
	}

	// The distribution, unless there is nothing to compare; the null rate
	// (and unseen categories) are judged in any case.
	distDrifted := false
	if reason := notComparable(ref, cc, n, refN); reason != "" {
		problem(evidence.StatusPass, "distribution not compared: %s", reason)
	} else {
		method := DefaultMethod(ref, cur)
		if m, ok := LookupMethod(cc.Method); ok {
			method = m
		}
		if !method.Supports(ref.Kind) {
			problem(evidence.StatusError, "method %s does not apply to %s columns", method.Name(), ref.Kind)
			return
		}
		res, err := method.Compute(ref, cur)
		if err != nil {
			problem(evidence.StatusError, "%s", err)
			return
		}
		if math.IsNaN(res.Statistic) || math.IsInf(res.Statistic, 0) {
			problem(evidence.StatusError, "%s is not a finite number for this column (values near the float64 limits?)", method.Name())
			return
		}
		threshold := method.DefaultThreshold()
		if cc.Threshold != nil {
			threshold = *cc.Threshold
		}
		col.Method, col.Statistic, col.PValue, col.Threshold = method.Name(), res.Statistic, res.PValue, threshold
		distDrifted = res.Statistic >= threshold
		if method.Test() {
			distDrifted = *res.PValue < threshold
		}
		r.Checks = append(r.Checks, evidence.Check{
			ID: id, Title: "distribution of " + name, Status: verdict(distDrifted), Severity: severity,
			Message:  describe(method, res, threshold, distDrifted, n, refN, ref.IsExact() && cur.IsExact()),
			Observed: res.Statistic, Expected: map[string]any{"method": method.Name(), "threshold": threshold},
			Total: n, Location: loc, Source: cfg.source(name),
		})
	}

	nullDrifted := math.Abs(col.NullRate-col.ReferenceNullRate) > cfg.NullRate
	r.Checks = append(r.Checks, evidence.Check{
		ID: id + ".nulls", Title: "null rate of " + name, Status: verdict(nullDrifted), Severity: severity,
		Message: fmt.Sprintf("null rate %s, reference %s (drifts beyond ±%s)",
			percent(col.NullRate), percent(col.ReferenceNullRate), percent(cfg.NullRate)),
		Observed: col.NullRate, Expected: map[string]any{"reference": col.ReferenceNullRate, "maxChange": cfg.NullRate},
		Failures: cur.Nulls, Total: cur.Count, Location: loc, Source: cfg.source(name),
	})

	// NaN is judged like null: a pipeline that starts writing NaN for
	// missing values moves this rate, not the distribution of finite values.
	nanDrifted := false
	if ref.Kind == profile.Numeric && (ref.NaNs > 0 || cur.NaNs > 0) {
		col.NaNRate, col.ReferenceNaNRate = nanRate(cur), nanRate(ref)
		nanDrifted = math.Abs(col.NaNRate-col.ReferenceNaNRate) > cfg.NaNRate
		r.Checks = append(r.Checks, evidence.Check{
			ID: id + ".nans", Title: "NaN rate of " + name, Status: verdict(nanDrifted), Severity: severity,
			Message: fmt.Sprintf("NaN rate %s, reference %s (drifts beyond ±%s)",
				percent(col.NaNRate), percent(col.ReferenceNaNRate), percent(cfg.NaNRate)),
			Observed: col.NaNRate, Expected: map[string]any{"reference": col.ReferenceNaNRate, "maxChange": cfg.NaNRate},
			Failures: cur.NaNs, Total: cur.Count, Location: loc, Source: cfg.source(name),
		})
	}

	unseenDrifted := false
	if asCategories(ref, cur) && n > 0 && refN > 0 {
		cs := alignCategories(ref, cur)
		if cs.Unseen {
			col.UnseenRate = cs.Current[len(cs.Current)-1] / float64(n)
		}
		unseenDrifted = col.UnseenRate > cfg.UnseenRate
		msg := fmt.Sprintf("%s of current values are categories the reference never had (drifts above %s)",
			percent(col.UnseenRate), percent(cfg.UnseenRate))
		if !cs.UnseenKnown {
			msg = "the reference lists only its most frequent categories, so unseen ones cannot be told apart"
		}
		r.Checks = append(r.Checks, evidence.Check{
			ID: id + ".unseen", Title: "unseen categories in " + name, Status: verdict(unseenDrifted), Severity: severity,
			Message: msg, Observed: col.UnseenRate, Expected: map[string]any{"max": cfg.UnseenRate},
			Total: n, Location: loc, Source: cfg.source(name),
		})
	}
	col.Drifted = distDrifted || nullDrifted || nanDrifted || unseenDrifted
	col.Status = verdict(col.Drifted)
	r.Details.Columns = append(r.Details.Columns, col)
}

// notComparable says why a column's distribution is not compared, or "".
func notComparable(ref *profile.Column, cc ColumnConfig, n, refN int64) string {
	switch {
	case n == 0 || refN == 0:
		return fmt.Sprintf("no values on one side (current %s, reference %s)", numfmt.Count(n), numfmt.Count(refN))
	case ref.Kind == profile.Categorical && len(firstTrusted(ref.TopK)) == 0:
		return fmt.Sprintf("about %s distinct values and none frequent enough to list (exclude the column in the config)", numfmt.Count(int64(ref.Distinct.Estimate())))
	case isTime(ref.Type) && cc.Method == "":
		return fmt.Sprintf("a %s column moves with time by design (give it a method in the config to compare it)", ref.Type)
	}
	return ""
}

func firstTrusted(t *profile.TopK) []profile.Item {
	items, _ := trusted(t)
	return items
}

// isTime reports whether a column type is a date, time or timestamp.
func isTime(typ string) bool {
	for _, prefix := range []string{"date", "time", "timestamp"} {
		if typ == prefix || strings.HasPrefix(typ, prefix+"(") {
			return true
		}
	}
	return false
}

// nanRate is the share of value slots that are NaN.
func nanRate(c *profile.Column) float64 {
	if c.Count == 0 {
		return 0
	}
	return float64(c.NaNs) / float64(c.Count)
}

// distributionCount is how many values a column's distribution is built on:
// the finite values of a numeric column, the non-null ones of a categorical one.
func distributionCount(c *profile.Column) int64 {
	if c.Kind == profile.Numeric {
		return c.Moments.N
	}
	return c.TopK.N
}

func describe(m Method, res Result, threshold float64, drifted bool, n, refN int64, exact bool) string {
	verdict := "no drift"
	if drifted {
		verdict = "drifted"
	}
	mode := "sketch"
	if exact {
		mode = "exact"
	}
	var test string
	if m.Test() {
		op := ">="
		if drifted {
			op = "<"
		}
		test = fmt.Sprintf("%s statistic %.4g, p = %.4g %s %g", m.Name(), res.Statistic, *res.PValue, op, threshold)
	} else {
		op := "<"
		if drifted {
			op = ">="
		}
		test = fmt.Sprintf("%s %.4g %s %g", m.Name(), res.Statistic, op, threshold)
	}
	return fmt.Sprintf("%s: %s (n = %s, reference n = %s, %s)", verdict, test, numfmt.Count(n), numfmt.Count(refN), mode)
}

func percent(x float64) string { return numfmt.Percent(x) }

// histograms is both sides' shares for a small visual: the reference's decile
// bins for numbers; for categories, the reference's most frequent ones, then
// the rest of the reference's, then unseen ones.
func histograms(ref, cur *profile.Column) (r, c []float64) {
	if !asCategories(ref, cur) {
		return binnedShares(ref, cur)
	}
	cs := alignCategories(ref, cur)
	fold := func(counts []float64) []float64 {
		keep := min(histogramCategories, len(counts))
		out := slices.Clone(counts[:keep])
		if cs.Unseen && keep == len(counts) {
			return toShares(out)
		}
		rest := 0.0
		end := len(counts)
		if cs.Unseen {
			end--
		}
		for _, x := range counts[keep:end] {
			rest += x
		}
		out = append(out, rest)
		if cs.Unseen {
			out = append(out, counts[len(counts)-1])
		}
		return toShares(out)
	}
	return fold(cs.Reference), fold(cs.Current)
}

func (r *Report) judgeDataset(cfg Config) {
	// A column whose distribution was not compared (an id, a time column, no
	// values) counts only when another check found drift, so columns that
	// cannot drift by distribution do not dilute the share.
	compared, drifted := 0, 0
	for _, c := range r.Details.Columns {
		if c.Method != "none" || c.Drifted {
			compared++
		}
		if c.Drifted {
			drifted++
		}
	}
	d := &r.Details
	if compared > 0 {
		d.DriftedShare = float64(drifted) / float64(compared)
	}
	d.Drifted = compared > 0 && d.DriftedShare >= cfg.Share
	status := evidence.StatusPass
	share, limit := numfmt.PercentPair(d.DriftedShare, cfg.Share)
	msg := fmt.Sprintf("%d of %d compared columns drifted (%s); the dataset drifts at %s", drifted, compared, share, limit)
	switch {
	case d.Drifted:
		status = evidence.StatusFail
	case compared == 0: // "no drift" would claim what nobody looked at
		status = evidence.StatusWarn
		msg = "no column's distribution was compared (excluded, or not comparable): drift was not judged"
	}
	r.Checks = append(r.Checks, evidence.Check{
		ID: "drift.dataset", Title: "dataset drift", Status: status, Severity: evidence.SeverityError,
		Message: msg, Observed: d.DriftedShare, Expected: map[string]any{"share": cfg.Share},
		Failures: int64(drifted), Total: int64(compared),
	})
	switch {
	case d.Drifted:
		r.Summary = "dataset drifted: " + msg
	case drifted > 0:
		r.Summary = "no dataset drift, some columns drifted: " + msg
	case compared == 0:
		r.Summary = msg
	default:
		r.Summary = "no drift: " + msg
	}
}

// Side names one side of a comparison for the evidence: the profile files it
// was read from (by digest; none for Parquet) and the data files the profile
// describes, with the digests it records. Drift evidence is then about data
// named by digest, which the gate can bind to the dataset it is given.
func Side(p *profile.Profile, profiles []evidence.File) *evidence.DriftSide {
	s := &evidence.DriftSide{Profiles: profiles, Data: []evidence.File{}}
	for _, src := range p.Sources {
		s.Data = append(s.Data, evidence.File{Path: src.Path, Digest: src.Digest})
	}
	return s
}
