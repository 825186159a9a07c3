package mlgate.drift_test

import data.mlgate.drift

report(drifted, share, status) := {
	"kind": "DriftReport", "status": status, "summary": "s",
	"subject": {"name": "transactions"},
	"details": {
		"drifted": drifted, "driftedShare": share, "shareThreshold": 0.5,
		"columns": [
			{"column": "amount", "drifted": true, "method": "psi", "statistic": 0.31, "threshold": 0.2},
			{"column": "country", "drifted": false, "method": "chi-square", "statistic": 1.2, "threshold": 3.8},
		],
	},
}

test_no_drift_passes if {
	inp := {"evidence": {"DriftReport": [report(false, 0.1, "pass")]}}
	count(drift.deny_missing) == 0 with input as inp
	count(drift.deny_drifted) == 0 with input as inp
	count(drift.deny_share) == 0 with input as inp
	count(drift.deny_critical_column) == 0 with input as inp
}

test_missing_report_is_denied_unless_optional if {
	count(drift.deny_missing) == 1 with input as {"evidence": {}}
	count(drift.deny_missing) == 0 with input as {"evidence": {}} with data.config as {"drift": {"required": false}}
}

test_drifted_report_is_denied if {
	drift.deny_drifted == {"transactions drifted: 60% of columns drifted (threshold 50%)"} with input as {"evidence": {"DriftReport": [report(true, 0.6, "fail")]}}
}

test_failed_report_without_dataset_drift_is_denied if {
	drift.deny_drifted == {"drift report of transactions failed: s"} with input as {"evidence": {"DriftReport": [report(false, 0.1, "fail")]}}
}

test_errored_report_is_denied if {
	count(drift.deny_drifted) == 1 with input as {"evidence": {"DriftReport": [report(false, 0, "error")]}}
}

test_team_tolerance_is_tighter if {
	inp := {"evidence": {"DriftReport": [report(false, 0.3, "pass")]}}
	count(drift.deny_share) == 1 with input as inp with data.config as {"drift": {"max_drifted_share": 0.25}}
	count(drift.deny_share) == 0 with input as inp with data.config as {"drift": {"max_drifted_share": 0.5}}
}

test_critical_column_drift_is_denied if {
	inp := {"evidence": {"DriftReport": [report(false, 0.1, "pass")]}}
	denials := drift.deny_critical_column with input as inp with data.config as {"drift": {"critical_columns": ["amount"]}}
	denials == {`critical column "amount" drifted in transactions (psi 0.31, threshold 0.2)`}
	count(drift.deny_critical_column) == 0 with input as inp with data.config as {"drift": {"critical_columns": ["country"]}}
}

with_reference(digest) := object.union(report(false, 0.1, "pass"), {"details": object.union(report(false, 0.1, "pass").details, {
	"reference": "ref.profile.json",
	"referenceInputs": {"profiles": [{"path": "ref.profile.json", "digest": {"sha256": digest}}], "data": []},
})})

test_reference_is_bound_when_configured if {
	cfg := {"drift": {"reference_sha256": ["aaa"]}}
	count(drift.deny_reference) == 0 with input as {"evidence": {"DriftReport": [with_reference("aaa")]}} with data.config as cfg
	drift.deny_reference == {"transactions: drift was measured against ref.profile.json, not a trusted reference (config.drift.reference_sha256)"} with input as {"evidence": {"DriftReport": [with_reference("bbb")]}} with data.config as cfg
	count(drift.deny_reference) == 1 with input as {"evidence": {"DriftReport": [report(false, 0.1, "pass")]}} with data.config as cfg
	count(drift.deny_reference) == 0 with input as {"evidence": {"DriftReport": [with_reference("bbb")]}}
}

with_reference_data(digests) := object.union(report(false, 0.1, "pass"), {"details": object.union(report(false, 0.1, "pass").details, {
	"reference": "ref/",
	"referenceInputs": {"profiles": [], "data": [{"path": sprintf("ref/%d.parquet", [i]), "digest": {"sha256": d}} | some i, d in digests]},
})})

test_reference_data_files_must_all_be_trusted if {
	cfg := {"drift": {"reference_sha256": ["aaa", "bbb"]}}
	count(drift.deny_reference) == 0 with input as {"evidence": {"DriftReport": [with_reference_data(["aaa", "bbb"])]}} with data.config as cfg
	count(drift.deny_reference) == 1 with input as {"evidence": {"DriftReport": [with_reference_data(["aaa", "ccc"])]}} with data.config as cfg
	count(drift.deny_reference) == 1 with input as {"evidence": {"DriftReport": [with_reference_data([])]}} with data.config as cfg
}
