package evidence

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestWorst(t *testing.T) {
	cases := []struct {
		in   []Status
		want Status
	}{
		{nil, StatusPass},
		{[]Status{StatusPass, StatusPass}, StatusPass},
		{[]Status{StatusPass, StatusWarn}, StatusWarn},
		{[]Status{StatusFail, StatusWarn}, StatusFail},
		{[]Status{StatusFail, StatusError, StatusPass}, StatusError},
		{[]Status{"bogus", StatusPass}, "bogus"}, // unknown statuses fail closed
	}
	for _, c := range cases {
		if got := Worst(c.in...); got != c.want {
			t.Errorf("Worst(%v) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestFailedAndSeverity(t *testing.T) {
	if StatusWarn.Failed() || StatusPass.Failed() || !StatusFail.Failed() || !StatusError.Failed() {
		t.Fatal("Failed must hold for fail and error only")
	}
	if ForSeverity(SeverityWarn) != StatusWarn || ForSeverity(SeverityError) != StatusFail || ForSeverity("") != StatusFail {
		t.Fatal("a failed warn check warns; anything else fails")
	}
}

func sampleDoc() *Document {
	started := time.Date(2026, 11, 25, 20, 0, 0, 0, time.UTC)
	d := New(KindDataValidation, Subject{Name: "transactions", Files: []File{{Path: "a.parquet", Digest: map[string]string{"sha256": "ab12"}}}},
		Tool{Name: "mlgate", Version: "test"}, started)
	d.Add(Check{ID: "column.amount.max", Status: StatusPass, Message: "max 10 <= 100"})
	d.Add(Check{ID: "column.amount.not_null", Status: StatusWarn, Severity: SeverityWarn, Message: "3 nulls", Failures: 3, Total: 10,
		Examples: []Example{{Row: 4, Value: nil}}, Source: &Source{File: "c.yaml", Line: 3, Column: 5}})
	d.Add(Check{ID: "rows.min", Status: StatusFail, Severity: SeverityError, Message: "10 rows < 100"})
	d.Details = ValidationDetails{Contract: "c.yaml", Rows: 10}
	d.Finish(started.Add(1500 * time.Millisecond))
	return d
}

func TestAddFoldsStatusAndFinishSummarises(t *testing.T) {
	d := sampleDoc()
	if d.Status != StatusFail {
		t.Fatalf("status %q, want fail", d.Status)
	}
	if d.Summary != "1 of 3 checks failed, 1 warned" {
		t.Fatalf("summary %q", d.Summary)
	}
	if d.DurationMs != 1500 {
		t.Fatalf("duration %d", d.DurationMs)
	}
}

func TestWriteReadRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ev.json")
	d := sampleDoc()
	if err := Write(path, d); err != nil {
		t.Fatal(err)
	}
	got, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != d.Status || len(got.Checks) != 3 || got.Checks[1].Source.Line != 3 {
		t.Fatalf("round trip lost data: %+v", got)
	}
	var det ValidationDetails
	if err := got.DetailsAs(&det); err != nil || det.Contract != "c.yaml" || det.Rows != 10 {
		t.Fatalf("details %+v, %v", det, err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Fatalf("atomic write left temporary files: %v", entries)
	}
}

func TestWriteCreatesTheFolder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "evidence", "run", "ev.json")
	if err := Write(path, sampleDoc()); err != nil {
		t.Fatal(err)
	}
	if _, err := Read(path); err != nil {
		t.Fatal(err)
	}
}

func TestReadRejectsBadDocuments(t *testing.T) {
	dir := t.TempDir()
	cases := map[string]struct{ body, want string }{
		"notjson":  {"PAR1\x00\x01", "not a JSON evidence document"},
		"version":  {`{"apiVersion":"mlgate.dev/v2","kind":"DataValidation"}`, `apiVersion "mlgate.dev/v2" is not supported`},
		"kind":     {`{"apiVersion":"mlgate.dev/v1","kind":"Nope"}`, `unknown kind "Nope"`},
		"required": {`{"apiVersion":"mlgate.dev/v1","kind":"DataValidation"}`, "does not match the evidence schema"},
		"status": {`{"apiVersion":"mlgate.dev/v1","kind":"DataValidation","subject":{"name":"x"},"status":"ok","summary":"",
			"checks":[],"tool":{"name":"mlgate","version":"v"},"startedAt":"2026-11-25T20:00:00Z","durationMs":0}`, "/status"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(dir, name+".json")
			os.WriteFile(p, []byte(c.body), 0o644)
			_, err := Read(p)
			if err == nil {
				t.Fatal("accepted a bad document")
			}
			if !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %q should name %s and say %q", err, p, c.want)
			}
		})
	}
	if _, err := Read(filepath.Join(dir, "missing.json")); err == nil || !strings.Contains(err.Error(), "missing.json") {
		t.Fatalf("missing file error %v", err)
	}
}

// detailsOfEveryKind is a filled-in details value for each kind.
func detailsOfEveryKind() map[Kind]Details {
	x := 0.25
	sig := SignatureDetails{Format: "sigstore-bundle", Bundle: "m.sig", Digest: map[string]string{"sha256": "ab"}, Files: 1,
		Signer: &Signer{Identity: "a@example.com", Issuer: "https://issuer", GitHub: map[string]string{"repository": "o/r"}},
		Tlog:   &TlogEntry{LogIndex: 7, URL: "https://rekor", IntegratedTime: time.Date(2026, 11, 25, 20, 0, 0, 0, time.UTC)}}
	promo := PromotionDetails{Promote: false, Metrics: []MetricResult{{Name: "auc", Candidate: &x, Direction: "higher", Threshold: ">= 0.9",
		Status: StatusFail, Message: "low", Interval: &Interval{Lower: -0.1, Upper: 0.1, Level: 0.95, Resamples: 1000}}},
		Policies: []PolicyResult{{Rule: "deny", Package: "p", Message: "no", Status: StatusFail}},
		Evidence: []EvidenceRef{{Kind: KindDataValidation, Subject: "d", Status: StatusPass, Digest: map[string]string{"sha256": "cd"}}},
		Config:   &FileRef{Path: "gate.yaml", Digest: map[string]string{"sha256": "ef"}}}
	return map[Kind]Details{
		KindDataValidation: ValidationDetails{Contract: "c.yaml", Rows: 10, DecidedBy: map[string]int{"scan": 2}},
		KindContractDiff:   ContractDiffDetails{Old: "a.yaml", New: "b.yaml", Changes: []ContractChange{{Path: "columns.x", Change: "removed", Breaking: true, Message: "gone"}}},
		KindProfile: ProfileDetails{Profile: "p.json", Rows: 3, Shard: &Shard{Index: 1, Count: 2},
			Columns: []ProfileColumn{{Name: "x", Kind: "numeric", Type: "DOUBLE", Count: 3, NullRate: 0, Distinct: 3, Min: &x, Exact: true}}},
		KindDriftReport: DriftDetails{Reference: "r.json", DriftedShare: 0.5, ShareThreshold: 0.5, Drifted: true,
			Columns: []DriftColumn{{Column: "x", Kind: "numeric", Method: "ks", Statistic: 0.3, PValue: &x, Threshold: 0.05, N: 3, ReferenceN: 4,
				Drifted: true, Status: StatusFail, Histogram: []float64{0.5, 0.5}, ReferenceHistogram: []float64{1, 0}}}},
		KindPromotionDecision: promo,
		KindSignature:         sig,
		KindVerification:      sig,
		KindAttestation:       sig,
	}
}

// TestDetailsRoundTripPerKind: each kind's details read back as the same Go
// type with the same values as were written, and the schema accepts them.
func TestDetailsRoundTripPerKind(t *testing.T) {
	all := detailsOfEveryKind()
	if len(all) != len(detailsTypes) {
		t.Fatalf("%d kinds covered, %d known", len(all), len(detailsTypes))
	}
	dir := t.TempDir()
	for k, det := range all {
		t.Run(string(k), func(t *testing.T) {
			d := sampleDoc()
			d.Kind, d.Details = k, det
			if k == KindPromotionDecision {
				d.Checks, d.Status = []Check{{ID: "metric.auc", Status: StatusFail, Message: "low"}}, StatusFail
			}
			data, err := Marshal(d)
			if err != nil {
				t.Fatal(err)
			}
			if err := ValidateSchema(data); err != nil {
				t.Fatal(err)
			}
			p := filepath.Join(dir, string(k)+".json")
			if err := Write(p, d); err != nil {
				t.Fatal(err)
			}
			got, err := Read(p)
			if err != nil {
				t.Fatal(err)
			}
			if reflect.TypeOf(got.Details) != reflect.TypeOf(det) || !reflect.DeepEqual(got.Details, det) {
				t.Fatalf("read back %#v, wrote %#v", got.Details, det)
			}
			ptr := reflect.New(reflect.TypeOf(det))
			if err := got.DetailsAs(ptr.Interface()); err != nil || !reflect.DeepEqual(ptr.Elem().Interface(), det) {
				t.Fatalf("DetailsAs: %v", err)
			}
		})
	}
}

// TestDetailsOfTheWrongType: details of another kind's type are refused on
// write and on read, with the file named, and the accessors say no instead
// of panicking.
func TestDetailsOfTheWrongType(t *testing.T) {
	d := sampleDoc()
	d.Details = DriftDetails{}
	if _, err := Marshal(d); err == nil || !strings.Contains(err.Error(), "DataValidation evidence with evidence.DriftDetails details") {
		t.Fatalf("Marshal of mismatched details: %v", err)
	}
	if _, ok := DetailsOf[PromotionDetails](d); ok {
		t.Fatal("DetailsOf said yes to the wrong type")
	}
	var pd PromotionDetails
	if err := d.DetailsAs(&pd); err == nil || !strings.Contains(err.Error(), "has DriftDetails details, not PromotionDetails") {
		t.Fatalf("DetailsAs of the wrong type: %v", err)
	}
	d.Details = nil
	if err := d.DetailsAs(&pd); err == nil || !strings.Contains(err.Error(), "has no details") {
		t.Fatalf("DetailsAs of no details: %v", err)
	}

	data, err := Marshal(sampleDoc())
	if err != nil {
		t.Fatal(err)
	}
	bad := strings.Replace(string(data), `"rows": 10`, `"rows": "ten"`, 1)
	p := filepath.Join(t.TempDir(), "bad-details.json")
	os.WriteFile(p, []byte(bad), 0o644)
	if _, err := Read(p); err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), "DataValidation details") {
		t.Fatalf("bad details: %v", err)
	}
}

// TestReadRefusesClaimsBetterThanTheChecks: a document's status and a
// decision's promote are recomputed from the checks; one that claims better
// is refused with its file named, one that claims worse is kept.
func TestReadRefusesClaimsBetterThanTheChecks(t *testing.T) {
	dir := t.TempDir()
	decision := func(status Status, promote bool, checks ...Status) *Document {
		d := New(KindPromotionDecision, Subject{Name: "m"}, Tool{Name: "mlgate", Version: "test"}, time.Now())
		for i, s := range checks {
			d.Add(Check{ID: "metric." + string(rune('a'+i)), Status: s, Message: "m"})
		}
		d.Status = status
		d.Details = PromotionDetails{Promote: promote}
		return d
	}
	lying := sampleDoc()
	lying.Status = StatusPass // 1 of 3 checks failed
	warned := sampleDoc()
	warned.Status = StatusWarn
	worse := sampleDoc()
	worse.Status = StatusError
	cases := map[string]struct {
		doc  *Document
		want string // "" accepts
	}{
		"status pass over a failed check":  {lying, "claims status pass but its checks say fail (1 of 3 checks failed)"},
		"status warn over a failed check":  {warned, "claims status warn but its checks say fail"},
		"status worse than its checks":     {worse, ""},
		"promote with a failed check":      {decision(StatusFail, true, StatusPass, StatusFail), "says promote but its status is fail (1 of 2 checks failed)"},
		"promote, status pass, no checks":  {decision(StatusPass, true), "says promote but has no checks"},
		"promote with status error":        {decision(StatusError, true, StatusPass), "says promote but its status is error"},
		"no promote with a failed check":   {decision(StatusFail, false, StatusFail), ""},
		"promote with passed checks":       {decision(StatusPass, true, StatusPass, StatusWarn), "claims status pass but its checks say warn"},
		"promote with passed and warnings": {decision(StatusWarn, true, StatusPass, StatusWarn), ""},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(dir, strings.ReplaceAll(name, " ", "-")+".json")
			if err := Write(p, c.doc); err != nil {
				t.Fatal(err)
			}
			_, err := Read(p)
			switch {
			case c.want == "" && err != nil:
				t.Fatalf("refused a consistent document: %v", err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), c.want)):
				t.Fatalf("error %v, want one naming %s and saying %q", err, p, c.want)
			}
		})
	}
}

func TestHashingEqual(t *testing.T) {
	a := &Hashing{Method: "files", IgnorePaths: []string{".git", "model.sig"}}
	if !a.Equal(&Hashing{Method: "files", IgnorePaths: []string{"model.sig", ".git", ".git"}}) {
		t.Fatal("ignore lists are sets")
	}
	for _, b := range []*Hashing{nil, {Method: "shards", IgnorePaths: a.IgnorePaths}, {Method: "files", IgnorePaths: []string{".git"}},
		{Method: "files", IgnorePaths: a.IgnorePaths, AllowSymlinks: true}} {
		if a.Equal(b) {
			t.Errorf("%+v equals %+v", a, b)
		}
	}
}

// FuzzParse: any bytes parse or are refused, never panic; what parses claims
// no better than its checks, and survives a write and a second parse.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*.json")
	for _, p := range seeds {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	if len(seeds) == 0 {
		f.Fatal("no seed documents in testdata")
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := Parse(data)
		if err != nil {
			return
		}
		for _, c := range d.Checks {
			if c.Status.rank() > d.Status.rank() {
				t.Fatalf("parsed status %s over a %s check", d.Status, c.Status)
			}
		}
		again, err := Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Parse(again); err != nil {
			t.Fatalf("a parsed document does not parse again: %v\n%s", err, again)
		}
	})
}
