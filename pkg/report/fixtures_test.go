package report

import (
	"time"

	"github.com/mlgate/mlgate/pkg/evidence"
)

// The fixtures are representative evidence sets, built with the details types
// the producers fill, with fixed times so reports are deterministic.

var fixedStart = time.Date(2026, 11, 25, 20, 0, 0, 0, time.UTC)

func f(v float64) *float64 { return &v }

func newDoc(kind evidence.Kind, subject string, details evidence.Details, checks ...evidence.Check) *evidence.Document {
	d := evidence.New(kind, evidence.Subject{Name: subject}, evidence.Tool{Name: "mlgate", Version: "v0.1.0"}, fixedStart)
	for _, c := range checks {
		d.Add(c)
	}
	d.Details = details
	d.Finish(fixedStart.Add(1234 * time.Millisecond))
	return d
}

func validationDoc(fail bool) *evidence.Document {
	checks := []evidence.Check{
		{ID: "schema.columns", Status: evidence.StatusPass, Message: "all 6 columns present"},
		{ID: "column.user_id.not_null", Status: evidence.StatusPass, Message: "no nulls", DecidedBy: "metadata",
			Location: &evidence.Location{Column: "user_id"}},
	}
	if fail {
		checks = append(checks,
			evidence.Check{ID: "column.amount.max", Status: evidence.StatusFail, Severity: evidence.SeverityError,
				Message: "max 1200000 exceeds 1000000", Failures: 3, Total: 20000, DecidedBy: "scan",
				Examples: []evidence.Example{{Row: 812, Value: 1200000}, {Row: 9001, Value: 1100000.5}, {Row: 15000, Value: 1000001}, {Row: 19999, Value: 1000002}},
				Location: &evidence.Location{File: "data/part-0.parquet", Column: "amount"},
				Source:   &evidence.Source{File: "contract.yaml", Line: 14, Column: 5}},
			evidence.Check{ID: "column.country.allowed", Status: evidence.StatusWarn, Severity: evidence.SeverityWarn,
				Message: "2 values outside the allowed set", Failures: 2, Total: 20000,
				Examples: []evidence.Example{{Row: 4, Value: "XX"}},
				Location: &evidence.Location{Column: "country"}},
		)
	}
	return newDoc(evidence.KindDataValidation, "transactions", evidence.ValidationDetails{
		Contract: "contracts/transactions.yaml", Rows: 20000, DecidedBy: map[string]int{"metadata": 4, "scan": 2},
	}, checks...)
}

func contractDiffDoc() *evidence.Document {
	return newDoc(evidence.KindContractDiff, "transactions", evidence.ContractDiffDetails{
		Old: "contracts/v1.yaml", New: "contracts/v2.yaml",
		Changes: []evidence.ContractChange{
			{Path: "columns.note", Change: "added", Message: "new optional column"},
			{Path: "columns.amount.type", Change: "changed", Breaking: true, Message: "int64 → float32 loses precision"},
		},
	}, evidence.Check{ID: "contract.columns.amount.type", Status: evidence.StatusFail, Message: "breaking: int64 → float32"})
}

func driftDoc(drifted bool) *evidence.Document {
	cols := []evidence.DriftColumn{
		{Column: "age", Kind: "numeric", Method: "psi", Statistic: 0.03, Threshold: 0.2, N: 10000, ReferenceN: 10000,
			Status: evidence.StatusPass, NullRate: 0.01, ReferenceNullRate: 0.01,
			ReferenceHistogram: []float64{0.1, 0.2, 0.4, 0.2, 0.1}, Histogram: []float64{0.1, 0.22, 0.38, 0.2, 0.1}},
		{Column: "country", Kind: "categorical", Method: "chi-square", Statistic: 3.1, PValue: f(0.54), Threshold: 0.05,
			N: 10000, ReferenceN: 10000, Status: evidence.StatusPass, UnseenRate: 0.001,
			ReferenceHistogram: []float64{0.5, 0.3, 0.2}, Histogram: []float64{0.49, 0.31, 0.2}},
	}
	checks := []evidence.Check{
		{ID: "drift.age", Status: evidence.StatusPass, Message: "psi 0.03 < 0.2"},
		{ID: "drift.country", Status: evidence.StatusPass, Message: "p 0.54 ≥ 0.05"},
	}
	share := 0.0
	if drifted {
		cols = append(cols, evidence.DriftColumn{Column: "amount", Kind: "numeric", Method: "ks", Statistic: 0.41,
			PValue: f(1e-9), Threshold: 0.05, N: 10000, ReferenceN: 10000, Drifted: true, Status: evidence.StatusFail,
			NullRate: 0.05, ReferenceNullRate: 0.01,
			ReferenceHistogram: []float64{0.05, 0.15, 0.6, 0.15, 0.05}, Histogram: []float64{0.02, 0.05, 0.13, 0.3, 0.5}})
		checks = append(checks, evidence.Check{ID: "drift.amount", Status: evidence.StatusFail, Message: "ks p < 0.05"})
		share = 1.0 / 3
	}
	d := newDoc(evidence.KindDriftReport, "transactions", evidence.DriftDetails{
		Reference: "profiles/reference.json", DriftedShare: share, ShareThreshold: 0.3, Drifted: share > 0.3, Columns: cols,
	}, checks...)
	d.Summary = "no dataset drift: 0 of 2 compared columns drifted (0%); the dataset drifts at 30% (reference: profiles/reference.json; current: data/current.parquet)"
	if drifted {
		d.Summary = "dataset drifted: 1 of 3 compared columns drifted (33.3%); the dataset drifts at 30% (reference: profiles/reference.json; current: data/current.parquet)"
	}
	return d
}

func promotionDoc(pass bool) *evidence.Document {
	metrics := []evidence.MetricResult{
		{Name: "accuracy", Baseline: f(0.912), Candidate: f(0.925), Change: f(0.013), RelativeChange: f(0.013 / 0.912),
			Direction: "higher", Threshold: ">= 0.90", Status: evidence.StatusPass, Message: "0.925 >= 0.90",
			Interval: &evidence.Interval{Lower: 0.004, Upper: 0.021, Level: 0.95, Resamples: 1000}},
		{Name: "latency_p95_ms", Baseline: f(120), Candidate: f(118.5), Change: f(-1.5), RelativeChange: f(-1.5 / 120),
			Direction: "lower", Threshold: "<= 150", Status: evidence.StatusPass, Message: "118.5 <= 150"},
	}
	policies := []evidence.PolicyResult{
		{Rule: "warn", Package: "mlgate.model_card", Title: "Model card present", Message: "model card is missing a limitations section",
			Remediation: "add a Limitations heading to MODEL_CARD.md", Status: evidence.StatusWarn},
	}
	checks := []evidence.Check{
		{ID: "metric.accuracy", Status: evidence.StatusPass, Message: "0.925 >= 0.90"},
		{ID: "metric.latency_p95_ms", Status: evidence.StatusPass, Message: "118.5 <= 150"},
		{ID: "policy.mlgate.model_card", Status: evidence.StatusWarn, Message: "model card is missing a limitations section"},
	}
	if !pass {
		metrics = append(metrics, evidence.MetricResult{Name: "recall", Baseline: f(0.8), Candidate: f(0.74), Change: f(-0.06),
			RelativeChange: f(-0.075), Direction: "higher", Threshold: "not worse than baseline by more than 1%",
			Status: evidence.StatusFail, Message: "dropped 7.5% (allowed 1%)"})
		policies = append(policies, evidence.PolicyResult{Rule: "deny", Package: "mlgate.data", Title: "Validated data",
			Message: "training data failed validation", Remediation: "fix the data or the contract, then re-run", Status: evidence.StatusFail})
		checks = append(checks,
			evidence.Check{ID: "metric.recall", Status: evidence.StatusFail, Message: "dropped 7.5% (allowed 1%)"},
			evidence.Check{ID: "policy.mlgate.data", Status: evidence.StatusFail, Message: "training data failed validation"})
	}
	return newDoc(evidence.KindPromotionDecision, "fraud-model", evidence.PromotionDetails{
		Promote: pass, Metrics: metrics, Policies: policies,
		Evidence: []evidence.EvidenceRef{
			{Kind: evidence.KindDataValidation, Subject: "transactions", Status: evidence.StatusPass, Path: "evidence/validate.json"},
		},
	}, checks...)
}

func signatureDoc() *evidence.Document {
	return newDoc(evidence.KindSignature, "model/", evidence.SignatureDetails{
		Format: "model-signing/v1.0", Bundle: "model.sig",
		Digest: map[string]string{"sha256": "3b6d3b0c1f5ad9e2b07c0a2a6c5f1e8d9a7b4c3d2e1f0a9b8c7d6e5f4a3b2c1d"},
		Files:  4,
		Signer: &evidence.Signer{
			Identity: "https://github.com/acme/fraud/.github/workflows/release.yml@refs/heads/main",
			Issuer:   "https://token.actions.githubusercontent.com",
			GitHub:   map[string]string{"repository": "acme/fraud", "sha": "0123abcd", "trigger": "push"},
		},
		Tlog: &evidence.TlogEntry{LogIndex: 151235811, IntegratedTime: time.Date(2026, 11, 25, 19, 58, 1, 0, time.UTC)},
	}, evidence.Check{ID: "signature.created", Status: evidence.StatusPass, Message: "signed 4 files"})
}

func verificationDoc() *evidence.Document {
	return newDoc(evidence.KindVerification, "model.onnx", evidence.SignatureDetails{
		Format: "sigstore-bundle", Bundle: "model.onnx.sigstore.json",
		Digest: map[string]string{"sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"},
		Signer: &evidence.Signer{Key: "SHA256:q6ZbPzQzVbYjQ1"},
		Tlog:   &evidence.TlogEntry{LogIndex: 42, URL: "https://rekor.sigstore.dev/api/v1/log/entries?logIndex=42"},
	}, evidence.Check{ID: "verify.signature", Status: evidence.StatusPass, Message: "signature verified"})
}

// hostile is text an attacker controls: column names, metric names, policy
// messages and file paths that try to mention, link, break tables and
// fences, open HTML, inject workflow commands and reorder text.
var hostile = []string{
	"@org/team",
	"</details><script>alert(1)</script>",
	"a|b||c",
	"`code` and ``` fence",
	"```\n::error::pwned\n```",
	"::error file=x::pwned",
	"<img src=x onerror=alert(1)>",
	"line1\nline2\r\n::add-mask::x",
	"see #123 and org/repo#45",
	"evil\u202Egnp.exe\u2066x\u2069",
	"[click](javascript:alert(1))",
	"**bold** _it_ ~~s~~ $x$",
	"\x1b[31mred\x1b[0m",
	"acc\u200buracy\u00ad and \U000e0041 tag \u2060 joiner",
	"##[set-output name=status;]pass",
}

// hostileDocs puts the hostile strings wherever producers copy user text.
func hostileDocs() []*evidence.Document {
	var checks []evidence.Check
	var cols []evidence.DriftColumn
	var metrics []evidence.MetricResult
	var policies []evidence.PolicyResult
	for i, h := range hostile {
		checks = append(checks, evidence.Check{ID: "column." + h, Status: evidence.StatusFail, Message: h,
			Failures: 1, Total: 2, Examples: []evidence.Example{{Row: int64(i), Value: h}},
			Location: &evidence.Location{Column: h, File: h}, Remediation: h})
		cols = append(cols, evidence.DriftColumn{Column: h, Method: h, Statistic: 1, Threshold: 0.1, Drifted: true,
			Status: evidence.StatusFail, Histogram: []float64{1}, ReferenceHistogram: []float64{0.5}})
		metrics = append(metrics, evidence.MetricResult{Name: h, Baseline: f(1), Candidate: f(0.5), Change: f(-0.5),
			RelativeChange: f(-0.5), Direction: "higher", Threshold: h, Status: evidence.StatusFail, Message: h})
		policies = append(policies, evidence.PolicyResult{Rule: "deny", Package: h, Title: h, Message: h, Remediation: h,
			Status: evidence.StatusFail})
	}
	h := hostile[0] + hostile[1]
	docs := []*evidence.Document{
		newDoc(evidence.KindDataValidation, h, evidence.ValidationDetails{Contract: h, Rows: 2,
			DecidedBy: map[string]int{h: 1, "<img src=x> @org/team": 2, "acc\u200buracy": 3}}, checks...),
		newDoc(evidence.KindDriftReport, h, evidence.DriftDetails{Reference: h, DriftedShare: 1, ShareThreshold: 0.5, Drifted: true, Columns: cols}),
		newDoc(evidence.KindPromotionDecision, h, evidence.PromotionDetails{Metrics: metrics, Policies: policies,
			Evidence: []evidence.EvidenceRef{{Kind: evidence.KindDriftReport, Subject: h, Path: h, Status: evidence.StatusFail}}}),
		newDoc(evidence.KindSignature, h, evidence.SignatureDetails{Format: h, Bundle: h, Digest: map[string]string{"sha256": h},
			Signer: &evidence.Signer{Identity: h, Issuer: h, GitHub: map[string]string{"ref": h, h: h, "![x](https://evil.example/i.png) @org/team </details>": "v"}},
			Tlog:   &evidence.TlogEntry{LogIndex: 1, URL: "javascript:alert(1)//" + h}}),
		newDoc(evidence.KindSignature, h, evidence.SignatureDetails{Format: h,
			Tlog: &evidence.TlogEntry{LogIndex: 2, URL: "https://rekor.evil.example/entry?h=" + h}}),
		newDoc(evidence.KindContractDiff, h, evidence.ContractDiffDetails{Old: h, New: h,
			Changes: []evidence.ContractChange{{Path: h, Change: h, Message: h, Breaking: true}}}),
	}
	for i, d := range docs {
		d.Summary = hostile[(i+4)%len(hostile)]
		d.Status = evidence.StatusFail
	}
	return docs
}
