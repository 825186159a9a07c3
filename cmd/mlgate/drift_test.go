package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/mlgate/mlgate/internal/testenv"
	"github.com/mlgate/mlgate/pkg/evidence"
	"github.com/mlgate/mlgate/pkg/parquetx"
	"github.com/mlgate/mlgate/pkg/profile"
)

// pqColumn is one column of a generated Parquet file: value(i) returns the
// row's value (float64, string or bool), or nil for null.
type pqColumn struct {
	name  string
	node  parquet.Node
	value func(i int) any
}

// writeParquet writes rows of the columns with perGroup rows per row group.
func writeParquet(t *testing.T, path string, rows, perGroup int, cols []pqColumn) {
	t.Helper()
	group := parquet.Group{}
	for _, c := range cols {
		group[c.name] = parquet.Optional(c.node)
	}
	schema := parquet.NewSchema("test", group)
	// parquet.Group orders fields by name: that is the leaf index.
	order := slices.Clone(cols)
	slices.SortFunc(order, func(a, b pqColumn) int { return strings.Compare(a.name, b.name) })
	var buf bytes.Buffer
	w := parquet.NewWriter(&buf, schema, parquet.MaxRowsPerRowGroup(int64(perGroup)))
	for i := 0; i < rows; i++ {
		row := make(parquet.Row, len(order))
		for k, c := range order {
			v := c.value(i)
			if v == nil {
				row[k] = parquet.Value{}.Level(0, 0, k)
			} else {
				row[k] = parquet.ValueOf(v).Level(0, 1, k)
			}
		}
		if _, err := w.WriteRows([]parquet.Row{row}); err != nil {
			t.Fatal(err)
		}
		if (i+1)%perGroup == 0 {
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// dataset writes a small transactions-like table: amount (shifted by shift
// standard deviations), country (with new categories when novel), and a
// flag; every 40th amount is null.
func dataset(t *testing.T, path string, seed uint64, rows, perGroup int, shift float64, novel bool) {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 1))
	amount := make([]float64, rows)
	country := make([]string, rows)
	for i := range amount {
		amount[i] = 50 + 10*(r.NormFloat64()+shift)
		k := int(r.ExpFloat64() * 2)
		if novel && i%5 == 0 {
			k += 40
		}
		country[i] = string(rune('A'+k%26)) + string(rune('a'+k/26))
	}
	writeParquet(t, path, rows, perGroup, []pqColumn{
		{"amount", parquet.Leaf(parquet.DoubleType), func(i int) any {
			if i%40 == 0 {
				return nil
			}
			return amount[i]
		}},
		{"country", parquet.String(), func(i int) any { return country[i] }},
		{"flag", parquet.Leaf(parquet.BooleanType), func(i int) any { return i%3 == 0 }},
	})
}

func readProfile(t *testing.T, path string) *profile.Profile {
	t.Helper()
	p, err := profile.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestProfileIsDeterministic(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data.parquet")
	dataset(t, data, 1, 30000, 4000, 0, false)
	a, b := filepath.Join(dir, "a.json"), filepath.Join(dir, "b.json")
	ev := filepath.Join(dir, "evidence.json")
	runCLI(t, nil, "profile", "--profile-out", a, "--out", ev, data).wantCode(t, 0)
	doc := readEvidence(t, ev)
	var details evidence.ProfileDetails
	if err := doc.DetailsAs(&details); err != nil || doc.Kind != evidence.KindProfile || details.Rows != 30000 || len(details.Columns) != 3 {
		t.Fatalf("profile evidence: kind %s, details %+v (%v)", doc.Kind, details, err)
	}
	runCLI(t, nil, "profile", "--profile-out", b, data).wantCode(t, 0)
	x, _ := os.ReadFile(a)
	y, _ := os.ReadFile(b)
	if !bytes.Equal(x, y) {
		t.Fatal("profiling the same file twice gave different bytes")
	}
	p := readProfile(t, a)
	if p.Rows != 30000 || len(p.Columns) != 3 {
		t.Fatalf("profile has %d rows, %d columns", p.Rows, len(p.Columns))
	}
	amount := p.Column("amount")
	if amount.Nulls != 750 || amount.Kind != profile.Numeric || p.Column("flag").Kind != profile.Categorical {
		t.Fatalf("amount: %d nulls, kind %s; flag kind %s", amount.Nulls, amount.Kind, p.Column("flag").Kind)
	}
}

func TestShardsMergeToTheWholeProfile(t *testing.T) {
	dir := t.TempDir()
	var files []string
	for i, seed := range []uint64{1, 2, 3} {
		f := filepath.Join(dir, "part-"+string(rune('a'+i))+".parquet")
		dataset(t, f, seed, 9000, 1000, 0, false)
		files = append(files, f)
	}
	whole := filepath.Join(dir, "whole.json")
	runCLI(t, nil, append([]string{"profile", "--profile-out", whole}, files...)...).wantCode(t, 0)
	var shards []string
	for i := 0; i < 4; i++ {
		s := filepath.Join(dir, "shard-"+string(rune('0'+i))+".json")
		// Files named in another order: shards do not depend on it.
		args := append([]string{"profile", "--shard", string(rune('0'+i)) + "/4", "--profile-out", s}, files[2], files[0], files[1])
		runCLI(t, nil, args...).wantCode(t, 0)
		shards = append(shards, s)
	}
	merged := filepath.Join(dir, "merged.json")
	ev := filepath.Join(dir, "merge.evidence.json")
	runCLI(t, nil, append([]string{"profile", "merge", "--profile-out", merged, "--out", ev}, shards...)...).wantCode(t, 0)
	if doc := readEvidence(t, ev); doc.Kind != evidence.KindProfile {
		t.Fatalf("merge evidence kind %s", doc.Kind)
	}

	// Few distinct values, so top-k is exact too: the very same bytes.
	wb, _ := os.ReadFile(whole)
	mb, _ := os.ReadFile(merged)
	if !bytes.Equal(wb, mb) {
		t.Error("merged shards differ from the profile of everything at once")
	}
	w, m := readProfile(t, whole), readProfile(t, merged)
	if w.Rows != m.Rows || len(m.Sources) != 3 || len(m.Sources[0].RowGroups) != 9 {
		t.Fatalf("merged %d rows (whole %d), sources %+v", m.Rows, w.Rows, m.Sources)
	}
	for _, wc := range w.Columns {
		mc := m.Column(wc.Name)
		if wc.Count != mc.Count || wc.Nulls != mc.Nulls || wc.Distinct.Estimate() != mc.Distinct.Estimate() {
			t.Errorf("%s: counts differ", wc.Name)
		}
		if wc.Kind == profile.Categorical {
			if !slices.Equal(wc.TopK.Items, mc.TopK.Items) { // few categories: exact
				t.Errorf("%s: top-k differs", wc.Name)
			}
			continue
		}
		if !slices.Equal(wc.Bins, mc.Bins) || !slices.Equal(wc.Quantiles.Positive.Counts, mc.Quantiles.Positive.Counts) {
			t.Errorf("%s: sketch differs", wc.Name)
		}
		if wc.Moments.Min != mc.Moments.Min || wc.Moments.Max != mc.Moments.Max ||
			wc.Moments.Mean != mc.Moments.Mean || wc.Moments.Variance != mc.Moments.Variance {
			t.Errorf("%s: moments %+v vs %+v", wc.Name, *mc.Moments, *wc.Moments)
		}
	}
}

func TestDriftDetectsAShift(t *testing.T) {
	dir := t.TempDir()
	ref, cur := filepath.Join(dir, "ref.parquet"), filepath.Join(dir, "cur.parquet")
	dataset(t, ref, 1, 20000, 5000, 0, false)
	dataset(t, cur, 2, 20000, 5000, 0.8, true)
	out := filepath.Join(dir, "drift.json")
	env := actionsEnv(t)
	r := runCLI(t, env, "drift", "--reference", ref, "--out", out, cur)
	r.wantCode(t, 1)
	doc := readEvidence(t, out)
	var d evidence.DriftDetails
	if err := doc.DetailsAs(&d); err != nil {
		t.Fatal(err)
	}
	if doc.Kind != evidence.KindDriftReport || doc.Status != evidence.StatusFail || !d.Drifted {
		t.Fatalf("kind %s status %s drifted %v", doc.Kind, doc.Status, d.Drifted)
	}
	byName := map[string]evidence.DriftColumn{}
	for _, c := range d.Columns {
		byName[c.Column] = c
	}
	amount, country, flag := byName["amount"], byName["country"], byName["flag"]
	if !amount.Drifted || amount.Method != "wasserstein" || amount.Statistic < 0.5 || amount.N != 19500 || amount.ReferenceN != 19500 ||
		len(amount.Histogram) != 10 || amount.NullRate != 0.025 {
		t.Errorf("amount: %+v", amount)
	}
	if !country.Drifted || country.Method != "jensenshannon" || math.Abs(country.UnseenRate-0.2) > 0.01 {
		t.Errorf("country: %+v", country)
	}
	if flag.Drifted {
		t.Errorf("flag drifted: %+v", flag)
	}
	outputs, _ := os.ReadFile(env["GITHUB_OUTPUT"])
	for _, want := range []string{"drifted", "true", "drifted-columns", "amount,country"} {
		if !strings.Contains(string(outputs), want) {
			t.Errorf("step outputs lack %q:\n%s", want, outputs)
		}
	}
}

func TestDriftFromStoredProfiles(t *testing.T) {
	dir := t.TempDir()
	ref, cur := filepath.Join(dir, "ref.parquet"), filepath.Join(dir, "cur.parquet")
	dataset(t, ref, 1, 5000, 5000, 0, false)
	dataset(t, cur, 2, 5000, 5000, 0, false)
	rp, cp := filepath.Join(dir, "ref.json"), filepath.Join(dir, "cur.json")
	runCLI(t, nil, "profile", "--profile-out", rp, ref).wantCode(t, 0)
	runCLI(t, nil, "profile", "--profile-out", cp, cur).wantCode(t, 0)
	out := filepath.Join(dir, "drift.json")
	r := runCLI(t, nil, "drift", "--reference", rp, "--out", out, "--format", "json", cp)
	r.wantCode(t, 0)
	doc := readEvidence(t, out)
	if doc.Status != evidence.StatusPass {
		t.Fatalf("same distribution judged %s: %s", doc.Status, doc.Summary)
	}
	var printed evidence.Document
	if err := json.Unmarshal([]byte(r.stdout), &printed); err != nil || printed.Kind != evidence.KindDriftReport {
		t.Fatalf("--format json printed %q (%v)", r.stdout, err)
	}
	// Parquet and profile references give the same verdicts.
	out2 := filepath.Join(dir, "drift2.json")
	runCLI(t, nil, "drift", "--reference", ref, "--out", out2, cur).wantCode(t, 0)
	var d1, d2 evidence.DriftDetails
	_ = doc.DetailsAs(&d1)
	_ = readEvidence(t, out2).DetailsAs(&d2)
	for i := range d1.Columns {
		if d1.Columns[i].Statistic != d2.Columns[i].Statistic {
			t.Errorf("%s: %g from profiles, %g from Parquet", d1.Columns[i].Column, d1.Columns[i].Statistic, d2.Columns[i].Statistic)
		}
	}
}

func TestDriftWarnsOnlyWhenAsked(t *testing.T) {
	dir := t.TempDir()
	ref, cur := filepath.Join(dir, "ref.parquet"), filepath.Join(dir, "cur.parquet")
	dataset(t, ref, 1, 3000, 3000, 0, false)
	dataset(t, cur, 2, 3000, 3000, 2, true)
	r := runCLI(t, nil, "drift", "--reference", ref, "--fail-on-drift=false", cur)
	r.wantCode(t, 0)
	if !strings.Contains(r.stdout, "dataset drifted") {
		t.Fatalf("summary does not say the dataset drifted:\n%s", r.stdout)
	}
}

func TestDriftBadInputsExit2(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data.parquet")
	dataset(t, data, 1, 500, 500, 0, false)
	current := filepath.Join(dir, "current.parquet")
	dataset(t, current, 2, 500, 500, 0, false)
	garbage := filepath.Join(dir, "garbage.json")
	os.WriteFile(garbage, []byte(`{"kind": "ColumnProfile", "apiVersion": "mlgate.dev/v1", "columns": [{"name": "x", "kind": "numeric"}]}`), 0o644)
	badConfig := filepath.Join(dir, "drift.yaml")
	os.WriteFile(badConfig, []byte("columns:\n  amount:\n    method: kolmogorov\n"), 0o644)
	corrupt := testenv.Shared(t, "corpora", "parquet-testing", "bad_data", "PARQUET-1481.parquet")
	for name, tc := range map[string]struct {
		args []string
		want string
	}{
		"missing reference": {[]string{"drift", "--reference", filepath.Join(dir, "nope.json"), data}, "nope.json"},
		"bad profile":       {[]string{"drift", "--reference", garbage, data}, "garbage.json"},
		"bad config":        {[]string{"drift", "--reference", data, "--config", badConfig, current}, "kolmogorov"},
		"corrupt parquet":   {[]string{"drift", "--reference", corrupt, data}, "PARQUET-1481.parquet"},
		"overwrite input":   {[]string{"drift", "--reference", data, "--out", data, current}, "data.parquet"},
		"bad shard":         {[]string{"profile", "--shard", "4/4", data}, "0 <= I < N"},
		"no glob match":     {[]string{"drift", "--reference", filepath.Join(dir, "*.nothing"), data}, "matches no files"},
		"merge no out":      {[]string{"profile", "merge", garbage}, "--profile-out"},
	} {
		t.Run(name, func(t *testing.T) {
			r := runCLI(t, nil, tc.args...)
			r.wantCode(t, 2)
			if !strings.Contains(r.stderr, tc.want) || strings.Contains(r.stderr, "goroutine") {
				t.Fatalf("stderr %q does not name %q", r.stderr, tc.want)
			}
		})
	}
	if st, _ := os.Stat(data); st.Size() == 0 {
		t.Fatal("an input was overwritten")
	}
}

// A column name is untrusted text: it must not open HTML, mention anyone or
// issue workflow commands when it reaches the log, the summary or the outputs.
func TestDriftEscapesColumnNames(t *testing.T) {
	dir := t.TempDir()
	name := "a|b`<img src=x>@org/team\n::error::pwned"
	write := func(path string, shift float64) {
		writeParquet(t, path, 3000, 3000, []pqColumn{
			{name, parquet.Leaf(parquet.DoubleType), func(i int) any { return float64(i%100) + shift }},
		})
	}
	ref, cur := filepath.Join(dir, "ref.parquet"), filepath.Join(dir, "cur.parquet")
	write(ref, 0)
	write(cur, 50)
	env := actionsEnv(t)
	for _, format := range []string{"text", "markdown"} {
		r := runCLI(t, env, "drift", "--reference", ref, "--format", format, cur)
		r.wantCode(t, 1)
		for _, line := range strings.Split(r.stdout, "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), "::error::pwned") {
				t.Fatalf("%s output lets a column name issue a workflow command:\n%s", format, r.stdout)
			}
		}
		if format == "markdown" && rawOutsideCode(r.stdout) {
			t.Fatalf("%s output shows the raw column name outside code spans:\n%s", format, r.stdout)
		}
	}
	summary, _ := os.ReadFile(env["GITHUB_STEP_SUMMARY"])
	if rawOutsideCode(string(summary)) {
		t.Fatalf("job summary shows the raw column name:\n%s", summary)
	}
	outputs, _ := os.ReadFile(env["GITHUB_OUTPUT"])
	if !strings.Contains(string(outputs), "drifted-columns") || !strings.Contains(string(outputs), "a|b`<img src=x>@org/team%0A::error::pwned") {
		t.Fatalf("drifted-columns does not carry the percent-encoded name:\n%s", outputs)
	}
}

// rawOutsideCode reports whether markdown shows the test's hostile column name
// as live markup: outside inline code spans, where GitHub would render it.
// Workflow-command lines (annotations, which GitHub does not render as
// markdown) are left out.
func rawOutsideCode(markdown string) bool {
	var lines []string
	for _, l := range strings.Split(markdown, "\n") {
		if !strings.HasPrefix(l, "::") {
			lines = append(lines, l)
		}
	}
	outside := regexp.MustCompile("`[^`\n]*`").ReplaceAllString(strings.Join(lines, "\n"), "")
	return strings.Contains(outside, "<img") || strings.Contains(outside, "@org/team")
}

// Chunks finish in any order across workers; the profile must not show it.
func TestProfileDoesNotDependOnWorkers(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data.parquet")
	dataset(t, data, 4, 40000, 2500, 0, false)
	var encoded [][]byte
	for _, workers := range []int{1, 3, 8} {
		f, err := parquetx.Open(data)
		if err != nil {
			t.Fatal(err)
		}
		p, _, err := profile.Scan(context.Background(), []*parquetx.File{f}, profile.ScanOptions{Parquet: parquetx.ScanOptions{Workers: workers}})
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		b, err := profile.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		encoded = append(encoded, b)
	}
	if !bytes.Equal(encoded[0], encoded[1]) || !bytes.Equal(encoded[0], encoded[2]) {
		t.Fatal("the profile depends on the number of workers")
	}
}

func TestShardWithoutRowGroupsIsEmpty(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data.parquet")
	dataset(t, data, 1, 1000, 1000, 0, false) // one row group
	out := filepath.Join(dir, "shard.json")
	runCLI(t, nil, "profile", "--shard", "1/2", "--profile-out", out, data).wantCode(t, 0)
	if p := readProfile(t, out); p.Rows != 0 || p.Column("amount").Count != 0 {
		t.Fatalf("shard 1/2 of one row group profiled %d rows", p.Rows)
	}
}

func TestProfileColumnsAndExcludedColumns(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data.parquet")
	dataset(t, data, 1, 2000, 2000, 0, false)
	out := filepath.Join(dir, "p.json")
	runCLI(t, nil, "profile", "--columns", "amount,flag", "--profile-out", out, data).wantCode(t, 0)
	if p := readProfile(t, out); len(p.Columns) != 2 || p.Column("country") != nil {
		t.Fatalf("--columns amount,flag profiled %d columns", len(p.Columns))
	}
	r := runCLI(t, nil, "profile", "--columns", "nope", data)
	r.wantCode(t, 2)
	if !strings.Contains(r.stderr, `"nope"`) {
		t.Fatalf("stderr %q does not name the column", r.stderr)
	}
	cfg := filepath.Join(dir, "drift.yaml")
	os.WriteFile(cfg, []byte("columns:\n  country: {exclude: true}\n"), 0o644)
	ev := filepath.Join(dir, "drift.json")
	current := filepath.Join(dir, "current.parquet") // a file may not be both reference and current
	dataset(t, current, 1, 2000, 2000, 0, false)
	runCLI(t, nil, "drift", "--reference", data, "--config", cfg, "--out", ev, current).wantCode(t, 0)
	for _, c := range readEvidence(t, ev).Checks {
		if strings.Contains(c.ID, "country") {
			t.Fatalf("excluded column checked: %s", c.ID)
		}
	}
}
