package mlgate.data_validation_test

import data.mlgate.data_validation

doc(status) := {"kind": "DataValidation", "status": status, "subject": {"name": "transactions"}, "summary": "2 of 41 checks failed"}

test_passed_validation_passes if {
	inp := {"evidence": {"DataValidation": [doc("pass")]}}
	count(data_validation.deny_missing) == 0 with input as inp
	count(data_validation.deny_failed) == 0 with input as inp
	count(data_validation.warn_warned) == 0 with input as inp
}

test_missing_evidence_is_denied if {
	count(data_validation.deny_missing) == 1 with input as {"evidence": {}}
	count(data_validation.deny_missing) == 1 with input as {}
}

test_failed_and_errored_validation_is_denied if {
	denials := data_validation.deny_failed with input as {"evidence": {"DataValidation": [doc("fail"), doc("error"), doc("pass")]}}
	denials == {
		"data validation of transactions: fail (2 of 41 checks failed)",
		"data validation of transactions: error (2 of 41 checks failed)",
	}
}

test_warned_validation_warns if {
	count(data_validation.warn_warned) == 1 with input as {"evidence": {"DataValidation": [doc("warn")]}}
}
