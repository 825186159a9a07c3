package metrics

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/mlgate/mlgate/pkg/evidence"
	"github.com/mlgate/mlgate/pkg/numfmt"
)

// Evaluate decides every rule of the gate on the candidate's metrics and the
// baseline's (nil when there is none). It returns one result per rule, in the
// gate's order; an error means a score file could not be read.
func Evaluate(g *Gate, candidate, baseline Set) ([]evidence.MetricResult, error) {
	results := make([]evidence.MetricResult, 0, len(g.Metrics))
	for i := range g.Metrics {
		res, err := evaluateRule(&g.Metrics[i], candidate, baseline)
		if err != nil {
			return nil, err
		}
		results = append(results, res)
	}
	return results, nil
}

func evaluateRule(r *Rule, candidate, baseline Set) (evidence.MetricResult, error) {
	src := r.Source
	res := evidence.MetricResult{
		Name:      r.Name,
		Direction: r.Direction,
		Threshold: r.describe(),
		Status:    evidence.StatusPass,
		Source:    &src,
	}
	// sign turns a change into an improvement: positive is better.
	sign := 1.0
	if r.Direction == LowerIsBetter {
		sign = -1
	}
	if r.Bootstrap != nil {
		b := r.Bootstrap
		cand, base, err := pairedScores(b.Scores, b.Candidate, b.Baseline)
		if err != nil {
			return res, err
		}
		diffs := make([]float64, len(cand))
		for i := range cand {
			diffs[i] = cand[i] - base[i]
		}
		iv := PairedBootstrap(diffs, b.Resamples, b.Confidence, b.Seed)
		res.Candidate, res.Baseline, res.Interval = ptr(mean(cand)), ptr(mean(base)), &iv
	} else {
		if v, ok := candidate[r.Name]; ok && v.Text == "" {
			res.Candidate = ptr(v.Value)
		}
		if v, ok := baseline[r.Name]; ok && v.Text == "" {
			res.Baseline = ptr(v.Value)
		}
	}
	if v := candidate[r.Name]; res.Candidate == nil && v.Text != "" {
		res.Status = evidence.ForSeverity(r.Severity)
		res.Message = fmt.Sprintf("the metric is written as a string, %q at %s: write it as a number, without quotes", v.Text, v.Source)
		return res, nil
	}
	if res.Candidate == nil {
		if r.required() {
			res.Status = evidence.ForSeverity(r.Severity)
			res.Message = "required metric is missing from the candidate's metrics"
			if alike := similarNames(r.Name, candidate); len(alike) > 0 {
				res.Message += " (reported: " + strings.Join(alike, ", ") + ")"
			}
		} else {
			res.Message = "not reported (optional)"
		}
		return res, nil
	}
	c := *res.Candidate
	j := &judgement{candidate: c, sign: sign, direction: r.Direction}
	if res.Baseline != nil {
		b := *res.Baseline
		res.Change = ptr(c - b)
		if b != 0 {
			res.RelativeChange = ptr((c - b) / math.Abs(b))
		}
		j.baseline, j.improvement, j.what = b, sign*(c-b), "the change"
		if iv := res.Interval; iv != nil {
			j.improvement, j.what = math.Min(sign*iv.Lower, sign*iv.Upper), fmt.Sprintf("the %g%% interval's worst case", iv.Level*100)
		}
	}
	var problems []string
	for _, bd := range r.bounds() {
		if bd.needsBaseline() && res.Baseline == nil {
			continue
		}
		if p := bd.judge(j); p != "" {
			problems = append(problems, p)
		}
	}
	if res.Baseline == nil && r.needsBaseline() {
		problems = append(problems, "no baseline value to compare with (the baseline's metrics must report this metric)")
	}
	if len(problems) > 0 {
		res.Status = evidence.ForSeverity(r.Severity)
		res.Message = strings.Join(problems, "; ")
	} else {
		res.Message = num(c)
		if res.Change != nil {
			res.Message += fmt.Sprintf(" (baseline %s, %s)", num(*res.Baseline), signed(*res.Change))
		}
	}
	if iv := res.Interval; iv != nil {
		res.Message += fmt.Sprintf("; %g%% interval of the change [%s, %s]", iv.Level*100, signed(iv.Lower), signed(iv.Upper))
	}
	return res, nil
}

// similarNames lists reported metrics a rule's name probably meant: the same
// name under a prefix (eval.f1 for f1), or its last part (f1 for eval.f1).
func similarNames(name string, set Set) []string {
	var alike []string
	for _, k := range set.Names() {
		if strings.HasSuffix(k, "."+name) || strings.HasSuffix(name, "."+k) || strings.EqualFold(k, name) {
			alike = append(alike, k)
		}
	}
	return alike
}

// describe says the rule in words for the report's threshold column.
func (r *Rule) describe() string {
	var parts []string
	for _, bd := range r.bounds() {
		parts = append(parts, bd.describe())
	}
	if b := r.Bootstrap; b != nil {
		parts = append(parts, fmt.Sprintf("judged on the %g%% paired-bootstrap interval (%d resamples, seed %d)", b.Confidence*100, b.Resamples, b.Seed))
	}
	if len(parts) == 0 {
		if r.required() {
			return "reported"
		}
		return "none (optional)"
	}
	return strings.Join(parts, ", ")
}

func ptr(v float64) *float64 { return &v }

// num formats a value with up to 6 significant digits.
func num(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }

func signed(v float64) string {
	if v >= 0 {
		return "+" + num(v)
	}
	return num(v)
}

func percent(v float64) string { return numfmt.SignedPercent(v) }
