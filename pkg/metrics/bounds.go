package metrics

import (
	"fmt"
	"math"
)

// bound is one condition of a metric rule, like a contract check: it says
// itself in words and judges the candidate, alone or against the baseline.
// A rule's bounds are min, max, change (absolute, relative) and
// non-inferiority, in that order.
type bound interface {
	// describe says the bound for the report's threshold column.
	describe() string
	// needsBaseline reports whether the bound compares with the baseline.
	needsBaseline() bool
	// judge returns the problem, or "" when the bound holds.
	judge(j *judgement) string
}

// judgement is what a bound judges: the candidate value and, for baseline
// bounds, the baseline and the improvement (positive is better; with a
// bootstrap, the interval's bound on the worse side).
type judgement struct {
	candidate, baseline float64
	improvement         float64
	// what names the improvement in messages; sign turns a change into an
	// improvement; direction is higher or lower.
	what      string
	sign      float64
	direction string
}

type (
	minBound       float64
	maxBound       float64
	absoluteChange float64
	relativeChange float64
	nonInferiority float64
)

func (b minBound) describe() string        { return ">= " + num(float64(b)) }
func (b minBound) needsBaseline() bool     { return false }
func (b maxBound) describe() string        { return "<= " + num(float64(b)) }
func (b maxBound) needsBaseline() bool     { return false }
func (absoluteChange) needsBaseline() bool { return true }
func (relativeChange) needsBaseline() bool { return true }
func (nonInferiority) needsBaseline() bool { return true }

func (b minBound) judge(j *judgement) string {
	if j.candidate < float64(b) {
		return fmt.Sprintf("%s is below the minimum %s", num(j.candidate), num(float64(b)))
	}
	return ""
}

func (b maxBound) judge(j *judgement) string {
	if j.candidate > float64(b) {
		return fmt.Sprintf("%s is above the maximum %s", num(j.candidate), num(float64(b)))
	}
	return ""
}

func (b absoluteChange) describe() string { return "improvement >= " + signed(float64(b)) }

func (b absoluteChange) judge(j *judgement) string {
	if j.improvement < float64(b) {
		return fmt.Sprintf("%s %s misses the bound %s (%s is better)", j.what, signed(j.sign*j.improvement), signed(j.sign*float64(b)), j.direction)
	}
	return ""
}

func (b relativeChange) describe() string { return "relative improvement >= " + percent(float64(b)) }

func (b relativeChange) judge(j *judgement) string {
	if j.baseline == 0 {
		return "a relative change cannot be judged against a baseline of 0"
	}
	if rel := j.improvement / math.Abs(j.baseline); rel < float64(b) {
		return fmt.Sprintf("%s %s relative to the baseline misses the bound %s (%s is better)", j.what, percent(j.sign*rel), percent(j.sign*float64(b)), j.direction)
	}
	return ""
}

func (b nonInferiority) describe() string {
	return "not worse than baseline by more than " + num(float64(b))
}

func (b nonInferiority) judge(j *judgement) string {
	if j.improvement < -float64(b) {
		return fmt.Sprintf("%s %s is worse than the baseline by more than the margin %s", j.what, signed(j.sign*j.improvement), num(float64(b)))
	}
	return ""
}

// bounds lists the rule's bounds in the order they are judged and described.
func (r *Rule) bounds() []bound {
	var out []bound
	if r.Min != nil {
		out = append(out, minBound(*r.Min))
	}
	if r.Max != nil {
		out = append(out, maxBound(*r.Max))
	}
	if r.Change != nil && r.Change.Absolute != nil {
		out = append(out, absoluteChange(*r.Change.Absolute))
	}
	if r.Change != nil && r.Change.Relative != nil {
		out = append(out, relativeChange(*r.Change.Relative))
	}
	if r.NonInferiority != nil {
		out = append(out, nonInferiority(*r.NonInferiority))
	}
	return out
}
