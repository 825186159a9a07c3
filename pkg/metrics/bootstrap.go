package metrics

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strings"

	"github.com/mlgate/mlgate/pkg/evidence"
)

// PairedBootstrap is the percentile interval of the mean of diffs (per-example
// candidate minus baseline scores) at the given confidence: rows are resampled
// with replacement, each keeping its candidate and baseline score together, so
// the interval reflects the variation between examples that both models share.
// A fixed seed makes it reproducible from run to run.
func PairedBootstrap(diffs []float64, resamples int, confidence float64, seed uint64) evidence.Interval {
	n := len(diffs)
	rng := rand.New(rand.NewPCG(seed, 0x6d6c67617465)) // second word: "mlgate"
	means := make([]float64, resamples)
	for i := range means {
		var sum float64
		for range n {
			sum += diffs[rng.IntN(n)]
		}
		means[i] = sum / float64(n)
	}
	slices.Sort(means)
	alpha := (1 - confidence) / 2
	return evidence.Interval{
		Lower:     quantile(means, alpha),
		Upper:     quantile(means, 1-alpha),
		Level:     confidence,
		Resamples: resamples,
	}
}

// quantile of sorted values with linear interpolation between order statistics
// (NumPy's default), so a degenerate sample gives exactly its value.
func quantile(sorted []float64, q float64) float64 {
	pos := q * float64(len(sorted)-1)
	lo := int(math.Floor(pos))
	hi := min(lo+1, len(sorted)-1)
	frac := pos - float64(lo)
	return sorted[lo] + frac*(sorted[hi]-sorted[lo])
}

// pairedScores reads two columns of a CSV file with a header row: the
// candidate's and the baseline's score on each example.
func pairedScores(path, candidateCol, baselineCol string) (cand, base []float64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("reading scores: %w", err)
	}
	defer f.Close()
	// A device (a link to /dev/zero) would be one endless CSV line.
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return nil, nil, fmt.Errorf("scores %s: not a regular file", path)
	}
	r := csv.NewReader(f)
	r.ReuseRecord = true
	header, err := r.Read()
	if err != nil {
		return nil, nil, fmt.Errorf("scores %s: reading the header: %w", path, err)
	}
	ci, bi := slices.Index(header, candidateCol), slices.Index(header, baselineCol)
	if ci < 0 || bi < 0 {
		return nil, nil, fmt.Errorf("scores %s: want columns %q and %q, the header has %s",
			path, candidateCol, baselineCol, strings.Join(header, ","))
	}
	for line := 2; ; line++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, fmt.Errorf("scores %s: %w", path, err)
		}
		c, err := parseNumber(rec[ci])
		if err != nil {
			return nil, nil, fmt.Errorf("scores %s: line %d: %s: %w", path, line, candidateCol, err)
		}
		b, err := parseNumber(rec[bi])
		if err != nil {
			return nil, nil, fmt.Errorf("scores %s: line %d: %s: %w", path, line, baselineCol, err)
		}
		cand, base = append(cand, c), append(base, b)
	}
	if len(cand) < 2 {
		return nil, nil, fmt.Errorf("scores %s: a bootstrap needs at least 2 rows, found %d", path, len(cand))
	}
	return cand, base, nil
}

func mean(xs []float64) float64 {
	var s float64
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}
