package drift

import (
	"math"
	"testing"

	"github.com/mlgate/mlgate/pkg/profile"
)

// In sketch mode (more than ExactLimit values) the statistics come from the
// profiles' sketches. Their documented error:
//   - bin shares, PSI and Jensen-Shannon are exact for the reference's bins,
//     whose edges are quantile-sketch bucket bounds;
//   - normed Wasserstein is within Alpha·(E|X| + E|Y|) / max(std(X), 0.001),
//     since every value moves by at most Alpha·|x| to its bucket's representative.
func TestSketchModeWithinDocumentedError(t *testing.T) {
	type run struct {
		ref, cur       []float64
		refCol, curCol *profile.Column
	}
	var runs []run
	var cases []map[string]any
	for seed := uint64(1); seed <= 2; seed++ {
		for _, c := range []sampleCase{
			{"normal", 20000, 15000, 0.05}, {"lognormal", 30000, 20000, 0.3},
			{"exponential", 12000, 12000, 0}, {"mixed", 20000, 20000, 1},
		} {
			a, b := drawPair(seed, c)
			ra, rb := numericColumn(a), numericColumn(b)
			if ra.IsExact() || rb.IsExact() {
				t.Fatal("sketch-mode case is in exact mode")
			}
			runs = append(runs, run{a, b, ra, rb})
			cases = append(cases,
				map[string]any{"op": "wasserstein", "a": a, "b": b},
				map[string]any{"op": "psi_edges", "a": a, "b": b, "edges": ra.Bins},
			)
		}
	}
	res := scipy(t, cases)
	for i, r := range runs {
		w, _ := wassersteinMethod{}.Compute(r.refCol, r.curCol)
		bound := profile.Alpha * (meanAbs(r.ref) + meanAbs(r.cur)) / math.Max(popStd(r.ref), 0.001)
		near(t, "sketch normed wasserstein", w.Statistic, res[2*i][0], bound)

		psi, _ := psiMethod{}.Compute(r.refCol, r.curCol)
		near(t, "sketch psi", psi.Statistic, res[2*i+1][0], 1e-9)
		cur := numericShares(r.curCol, r.refCol.Bins, true)
		for k, s := range cur {
			near(t, "sketch bin share", s, res[2*i+1][1+k], 1e-12)
		}
	}
}

func meanAbs(v []float64) float64 {
	t := 0.0
	for _, x := range v {
		t += math.Abs(x)
	}
	return t / float64(len(v))
}
