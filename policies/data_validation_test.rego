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

test_partial_validation_is_denied if {
	shard := object.union(doc("pass"), {"details": {"shard": {"index": 1, "count": 4}}})
	where := object.union(doc("pass"), {"details": {"runWhere": "region = 'EU'"}})
	since := object.union(doc("pass"), {"subject": {"name": "t@4", "files": [{"path": "a", "scope": "added", "digest": {"sha256": "aa"}}, {"path": "b", "scope": "table", "digest": {"sha256": "bb"}}]}})
	denials := data_validation.deny_partial with input as {"evidence": {"DataValidation": [shard, where, since, doc("pass")]}}
	denials == {
		"data validation of transactions covers only part of the data: it is shard 1 of 4; merge the shards' evidence (mlgate validate merge)",
		"data validation of transactions covers only part of the data: the run kept only the rows where region = 'EU'",
		"data validation of t@4 covers only part of the data: it is incremental (every rule ran only on the data added since a version), and no other DataValidation evidence checked b with every rule",
	}
}

test_whole_validation_is_not_partial if {
	full := object.union(doc("pass"), {"details": {"rows": 10}, "subject": {"name": "t@4", "files": [{"path": "a"}]}})
	count(data_validation.deny_partial) == 0 with input as {"evidence": {"DataValidation": [full]}}
}

test_incremental_validation_with_the_one_before_is_whole if {
	since := object.union(doc("pass"), {"subject": {"name": "t@4", "files": [{"path": "a", "scope": "added", "digest": {"sha256": "aa"}}, {"path": "b", "scope": "table", "digest": {"sha256": "bb"}}]}})
	before := object.union(doc("pass"), {"subject": {"name": "t@3", "files": [{"path": "b", "digest": {"sha256": "bb"}}]}})
	count(data_validation.deny_partial) == 0 with input as {"evidence": {"DataValidation": [since, before]}}
	shard := object.union(before, {"details": {"shard": {"index": 0, "count": 2}}})
	count(data_validation.deny_partial) == 2 with input as {"evidence": {"DataValidation": [since, shard]}}
}
