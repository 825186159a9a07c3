package drift

import (
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlgate/mlgate/internal/testenv"
	"github.com/mlgate/mlgate/pkg/evidence"
	"github.com/mlgate/mlgate/pkg/profile"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/drift/examples")

// dataset describes generated data: rows, and how the current side differs.
type dataset struct {
	rows         int
	amountShift  float64 // in standard deviations
	nullEvery    int     // every k-th amount is null (0: none)
	newCountries bool    // some countries the reference never had
	skipColumn   string  // leave a column out
	countryIsNum bool    // country becomes numeric
}

func generate(seed uint64, d dataset) *profile.Profile {
	r := rand.New(rand.NewPCG(seed, 99))
	p := profile.New()
	cols := map[string]*profile.Column{
		"amount":     profile.NewColumn("amount", profile.Numeric, "double"),
		"latency":    profile.NewColumn("latency", profile.Numeric, "double"),
		"session_id": profile.NewColumn("session_id", profile.Categorical, "string"),
	}
	if d.countryIsNum {
		cols["country"] = profile.NewColumn("country", profile.Numeric, "int32")
	} else {
		cols["country"] = profile.NewColumn("country", profile.Categorical, "string")
	}
	for i := 0; i < d.rows; i++ {
		if d.nullEvery > 0 && i%d.nullEvery == 0 {
			cols["amount"].AddNull()
		} else {
			cols["amount"].AddFloat(math.Round((r.NormFloat64()+d.amountShift)*1000) / 100)
		}
		cols["latency"].AddFloat(math.Exp(r.NormFloat64()))
		k := int(r.ExpFloat64() * 3)
		if d.newCountries && i%10 == 0 {
			k += 50
		}
		if d.countryIsNum {
			cols["country"].AddFloat(float64(k))
		} else {
			cols["country"].AddBytes(fmt.Appendf(nil, "c%02d", k))
		}
		cols["session_id"].AddBytes(fmt.Appendf(nil, "s%d", r.IntN(1<<30)))
	}
	for name, c := range cols {
		if name != d.skipColumn {
			p.Columns = append(p.Columns, c)
		}
	}
	p.Rows = int64(d.rows)
	p.Finish()
	return p
}

var examples = []struct {
	name     string
	ref, cur dataset
	config   string
}{
	// Same distribution on both sides; country is flagged by chance (p = 0.012),
	// which is why one column alone does not decide the dataset.
	{name: "small-same", ref: dataset{rows: 500}, cur: dataset{rows: 400}},
	{name: "small-shift", ref: dataset{rows: 800}, cur: dataset{rows: 300, amountShift: 1, nullEvery: 5}},
	{name: "large-same", ref: dataset{rows: 20000}, cur: dataset{rows: 15000}},
	{name: "large-drift", ref: dataset{rows: 20000}, cur: dataset{rows: 20000, amountShift: 0.5, newCountries: true}},
	{name: "config", ref: dataset{rows: 20000}, cur: dataset{rows: 5000, amountShift: 0.2, nullEvery: 20}, config: "config.yaml"},
	{name: "schema", ref: dataset{rows: 600}, cur: dataset{rows: 600, skipColumn: "latency", countryIsNum: true}},
}

// TestExamples pins each example's checks and details to a golden file
// (go test ./pkg/drift -run TestExamples -update rewrites them).
func TestExamples(t *testing.T) {
	dir := filepath.Join(testenv.RepoRoot(t), "testdata", "drift", "examples")
	for _, ex := range examples {
		t.Run(ex.name, func(t *testing.T) {
			cfg := DefaultConfig()
			if ex.config != "" {
				var err error
				if cfg, err = ReadConfig(filepath.Join(dir, ex.config)); err != nil {
					t.Fatal(err)
				}
				cfg.File = ex.config
			}
			rep := Compare(generate(1, ex.ref), generate(2, ex.cur), cfg)
			got := render(rep)
			golden := filepath.Join(dir, ex.name+".golden")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("output differs from %s (run with -update after checking):\n%s", golden, got)
			}
		})
	}
}

func render(r *Report) string {
	var b strings.Builder
	fmt.Fprintf(&b, "summary: %s\ndrifted columns: %v\n\n", r.Summary, r.DriftedColumns())
	for _, c := range r.Checks {
		src := ""
		if c.Source != nil {
			src = " [" + c.Source.String() + "]"
		}
		fmt.Fprintf(&b, "%-5s %s: %s%s\n", c.Status, c.ID, c.Message, src)
	}
	details, _ := json.MarshalIndent(r.Details, "", "  ")
	b.WriteString("\n")
	b.Write(details)
	b.WriteString("\n")
	return b.String()
}

func TestDefaultMethodByKindSizeAndValues(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	normal := func(n int) *profile.Column {
		return numericColumn(sample(r, "normal", n, 0))
	}
	ints := func(n, k int) *profile.Column {
		v := make([]float64, n)
		for i := range v {
			v[i] = float64(r.IntN(k))
		}
		return numericColumn(v)
	}
	for _, tc := range []struct {
		name     string
		ref, cur *profile.Column
		want     string
	}{
		{"numeric, both at most 1000", normal(1000), normal(1000), "ks"},
		{"numeric, one side larger", normal(10), normal(1001), "wasserstein"},
		{"numeric, five values, small", ints(300, 5), ints(300, 5), "chisquare"},
		{"numeric, five values, large", ints(300, 5), ints(3000, 5), "jensenshannon"},
		{"numeric, two values, small", ints(300, 2), ints(200, 2), "ztest"},
		{"numeric, constant", ints(300, 1), ints(200, 1), "ztest"},
		{"categorical, small", categoricalColumn(r, 1000, 7), categoricalColumn(r, 10, 7), "chisquare"},
		{"categorical, two values", categoricalColumn(r, 500, 2), categoricalColumn(r, 500, 2), "ztest"},
		{"categorical, large", categoricalColumn(r, 1001, 7), categoricalColumn(r, 10, 7), "jensenshannon"},
	} {
		if got := DefaultMethod(tc.ref, tc.cur).Name(); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
}

// categoricalColumn draws n values of k categories, the first most frequent.
func categoricalColumn(r *rand.Rand, n, k int) *profile.Column {
	c := profile.NewColumn("c", profile.Categorical, "string")
	for i := 0; i < n; i++ {
		c.AddBytes(fmt.Appendf(nil, "v%d", min(int(r.ExpFloat64()*float64(k)/3), k-1)))
	}
	c.Finish()
	return c
}

func TestParseConfigRejectsMistakes(t *testing.T) {
	for name, yaml := range map[string]string{
		"unknown key":     "shares: 0.5\n",
		"unknown method":  "columns:\n  a:\n    method: kl\n",
		"bad share":       "share: 1.5\n",
		"negative thresh": "columns:\n  a:\n    threshold: -1\n",
		"bad severity":    "columns:\n  a:\n    severity: fatal\n",
		"not a mapping":   "- a\n",
		"column key typo": "columns:\n  a:\n    methd: ks\n",
	} {
		if _, err := ParseConfig("drift.yaml", []byte(yaml)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	cfg, err := ParseConfig("drift.yaml", nil)
	if err != nil || cfg.Share != 0.5 {
		t.Fatalf("empty config: %+v, %v", cfg, err)
	}
}

func TestDriftedColumnsAreWhatDrifted(t *testing.T) {
	rep := Compare(generate(1, dataset{rows: 20000}), generate(2, dataset{rows: 20000, amountShift: 1}), DefaultConfig())
	if got := rep.DriftedColumns(); len(got) != 1 || got[0] != "amount" {
		t.Fatalf("drifted columns %v, want [amount]", got)
	}
	if rep.Details.Drifted {
		t.Fatal("one column of four drifted, yet the dataset is judged drifted at share 0.5")
	}
	for _, c := range rep.Details.Columns {
		if len(c.Histogram) == 0 || len(c.Histogram) != len(c.ReferenceHistogram) {
			t.Errorf("%s: histograms %v / %v", c.Column, c.Histogram, c.ReferenceHistogram)
		}
	}
}

// TestFalseAlarmRate checks that the small-sample tests hold their level: on
// 200 pairs of samples from one distribution, p < 0.05 about 5% of the time.
func TestFalseAlarmRate(t *testing.T) {
	rejected := map[string]int{}
	const pairs = 200
	for s := uint64(0); s < pairs; s++ {
		rep := Compare(generate(1000+2*s, dataset{rows: 500}), generate(1001+2*s, dataset{rows: 400}), DefaultConfig())
		for _, c := range rep.Details.Columns {
			if c.PValue != nil && *c.PValue < 0.05 {
				rejected[c.Method]++
			}
		}
	}
	for _, m := range []string{"ks", "chisquare"} {
		// ks compares two columns per pair.
		n := pairs
		if m == "ks" {
			n *= 2
		}
		if rate := float64(rejected[m]) / float64(n); rate < 0.01 || rate > 0.10 {
			t.Errorf("%s rejects %.1f%% of identical distributions at p < 0.05", m, 100*rate)
		}
	}
}

func FuzzParseConfig(f *testing.F) {
	f.Add([]byte("share: 0.3\ncolumns:\n  a:\n    method: psi\n    threshold: 0.1\n"))
	f.Add([]byte("columns:\n  b: {exclude: true}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		// Bounded: a call past 10s of wall time on a loaded machine takes the
		// fuzzing worker down.
		if len(data) > 64<<10 {
			t.Skip()
		}
		cfg, err := ParseConfig("drift.yaml", data)
		if err != nil {
			return
		}
		if cfg.Share <= 0 || cfg.Share > 1 {
			t.Fatalf("accepted share %g", cfg.Share)
		}
		for name, cc := range cfg.Columns {
			if _, ok := LookupMethod(cc.Method); cc.Method != "" && !ok {
				t.Fatalf("column %q: accepted method %q", name, cc.Method)
			}
		}
	})
}

// BenchmarkCompareProfiles is drift between two stored large profiles, the
// work of 'mlgate drift REF.json CUR.json' without the process around it.
func BenchmarkCompareProfiles(b *testing.B) {
	ref := generate(1, dataset{rows: 200000})
	cur := generate(2, dataset{rows: 100000, amountShift: 0.3, newCountries: true})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Compare(ref, cur, DefaultConfig())
	}
}

// Far from zero the sketch's 1% relative resolution is coarser than the
// spread: the shift must still show, through the exact mean difference.
func TestShiftFarFromZeroIsSeen(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	ref, cur := profile.New(), profile.New()
	rc := profile.NewColumn("reading", profile.Numeric, "double")
	cc := profile.NewColumn("reading", profile.Numeric, "double")
	for i := 0; i < 20000; i++ {
		rc.AddFloat(1e6 + r.NormFloat64())
		cc.AddFloat(1e6 + 0.5 + r.NormFloat64())
	}
	ref.Columns, cur.Columns = []*profile.Column{rc}, []*profile.Column{cc}
	ref.Finish()
	cur.Finish()
	rep := Compare(ref, cur, DefaultConfig())
	c := rep.Details.Columns[0]
	if !c.Drifted || c.Method != "wasserstein" || math.Abs(c.Statistic-0.5) > 0.05 {
		t.Fatalf("a 0.5 sd shift around 1e6: %+v", c)
	}
}

func TestTimeColumnsAreNotComparedByDefault(t *testing.T) {
	mk := func(offset float64) *profile.Profile {
		p := profile.New()
		c := profile.NewColumn("created_at", profile.Numeric, "timestamp(us, utc)")
		for i := 0; i < 5000; i++ {
			c.AddFloat(offset + float64(i)*1e6)
		}
		p.Columns = []*profile.Column{c}
		p.Finish()
		return p
	}
	ref, cur := mk(1.7e15), mk(1.8e15)
	rep := Compare(ref, cur, DefaultConfig())
	if c := rep.Details.Columns[0]; c.Method != "none" || c.Drifted || rep.Checks[0].Status != "pass" || !strings.Contains(rep.Checks[0].Message, "moves with time") {
		t.Fatalf("time column compared by default: %+v", rep.Checks)
	}
	cfg, _ := ParseConfig("drift.yaml", []byte("columns:\n  created_at: {method: wasserstein}\n"))
	rep = Compare(ref, cur, cfg)
	if c := rep.Details.Columns[0]; c.Method != "wasserstein" || !c.Drifted {
		t.Fatalf("time column with a method in the config: %+v", rep.Details.Columns)
	}
}

func TestAllNullColumnDriftsByNullRate(t *testing.T) {
	ref := generate(1, dataset{rows: 2000})
	cur := generate(2, dataset{rows: 2000, nullEvery: 1})
	rep := Compare(ref, cur, DefaultConfig())
	for _, c := range rep.Details.Columns {
		if c.Column == "amount" && (!c.Drifted || c.NullRate != 1 || c.Method != "none") {
			t.Fatalf("amount, all null now: %+v", c)
		}
	}
}

// A categorical column with a few frequent values and a long tail of rare
// ones has an approximate top-k: only the counts it can vouch for are compared.
func TestLongTailCategoriesCompareTheirHeavyHitters(t *testing.T) {
	mk := func(seed uint64, heavyShare float64) *profile.Profile {
		r := rand.New(rand.NewPCG(seed, 1))
		c := profile.NewColumn("merchant", profile.Categorical, "string")
		for i := 0; i < 30000; i++ {
			if r.Float64() < heavyShare {
				c.AddBytes(fmt.Appendf(nil, "big-%d", r.IntN(5)))
			} else {
				c.AddBytes(fmt.Appendf(nil, "small-%d", r.IntN(1<<20)))
			}
		}
		p := profile.New()
		p.Columns = []*profile.Column{c}
		p.Finish()
		return p
	}
	ref := mk(1, 0.6)
	if ref.Columns[0].IsExact() {
		t.Fatal("the long-tail column should have an approximate top-k")
	}
	same := Compare(ref, mk(2, 0.6), DefaultConfig()).Details.Columns[0]
	moved := Compare(ref, mk(3, 0.3), DefaultConfig()).Details.Columns[0]
	if same.Drifted || same.Method != "jensenshannon" || !moved.Drifted {
		t.Fatalf("same: %+v\nmoved: %+v", same, moved)
	}
}

// FuzzCompare feeds decoded (possibly hostile) profiles to Compare, which
// must not panic and must produce finite statistics.
func FuzzCompare(f *testing.F) {
	good := generate(1, dataset{rows: 60})
	seed, err := profile.Marshal(good)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Fuzz(func(t *testing.T, data []byte) {
		// Bounded: a call past 10s of wall time on a loaded machine takes the
		// fuzzing worker down.
		if len(data) > 64<<10 {
			t.Skip()
		}
		p, err := profile.Parse(data)
		if err != nil {
			return
		}
		for _, rep := range []*Report{Compare(p, good, DefaultConfig()), Compare(good, p, DefaultConfig()), Compare(p, p, DefaultConfig())} {
			for _, c := range rep.Details.Columns {
				if math.IsNaN(c.Statistic) || math.IsInf(c.Statistic, 0) {
					t.Fatalf("%s: statistic %g", c.Column, c.Statistic)
				}
			}
		}
	})
}

// When no column's distribution is compared (all excluded, or none
// comparable), the dataset check warns that drift was not judged: "no
// drift" would claim what nobody looked at.
func TestNothingComparedIsNotNoDrift(t *testing.T) {
	ref, cur := generate(1, dataset{rows: 2000}), generate(2, dataset{rows: 2000})
	datasetCheck := func(rep *Report) evidence.Check {
		for _, c := range rep.Checks {
			if c.ID == "drift.dataset" {
				return c
			}
		}
		t.Fatalf("no drift.dataset check in %+v", rep.Checks)
		return evidence.Check{}
	}
	if c := datasetCheck(Compare(ref, cur, DefaultConfig())); c.Status != evidence.StatusPass {
		t.Fatalf("same distribution, every column compared: %s %s", c.Status, c.Message)
	}
	text := "columns:\n"
	for _, c := range ref.Columns {
		text += fmt.Sprintf("  %s: {exclude: true}\n", c.Name)
	}
	cfg, err := ParseConfig("drift.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	rep := Compare(ref, cur, cfg)
	if c := datasetCheck(rep); c.Status != evidence.StatusWarn || !strings.Contains(c.Message, "drift was not judged") || rep.Details.Drifted {
		t.Fatalf("every column excluded: %s %s (drifted %v)", c.Status, c.Message, rep.Details.Drifted)
	}
	if !strings.Contains(rep.Summary, "not judged") {
		t.Errorf("summary %q says nothing was judged", rep.Summary)
	}
}
