# METADATA
# title: Data validation passed
# description: The training and evaluation data passed their data contracts (mlgate validate).
# custom:
#   severity: high
#   remediation: Fix the data or the contract, run mlgate validate, and pass its evidence with --evidence.
package mlgate.data_validation

import data.mlgate.lib

# METADATA
# title: Data validation evidence is present
deny_missing contains "no DataValidation evidence: run mlgate validate --out FILE and pass it with --evidence" if {
	count(lib.evidence("DataValidation")) == 0
}

# METADATA
# title: Every data validation passed
deny_failed contains msg if {
	some doc in lib.evidence("DataValidation")
	doc.status in {"fail", "error"}
	msg := sprintf("data validation of %s: %s (%s)", [lib.subject(doc), doc.status, doc.summary])
}

# METADATA
# title: Every data validation covers all of its data
deny_partial contains partial_msg(doc, why) if {
	some doc in lib.evidence("DataValidation")
	doc.details.shard
	why := sprintf("it is shard %d of %d; merge the shards' evidence (mlgate validate merge)", [doc.details.shard.index, doc.details.shard.count])
}

deny_partial contains partial_msg(doc, why) if {
	some doc in lib.evidence("DataValidation")
	doc.details.runWhere != ""
	why := sprintf("the run kept only the rows where %s", [doc.details.runWhere])
}

deny_partial contains partial_msg(doc, why) if {
	some doc in lib.evidence("DataValidation")
	some f in doc.subject.files
	f.scope == "table"
	not validated(f)
	why := sprintf("it is incremental (every rule ran only on the data added since a version), and no other DataValidation evidence checked %s with every rule", [f.path])
}

# validated: another DataValidation (not a shard, no run filter) checked
# the file, by sha256, with every rule: the validation of the table before
# an incremental check.
validated(f) if {
	some other in lib.evidence("DataValidation")
	not other.details.shard
	object.get(other, ["details", "runWhere"], "") == ""
	some g in other.subject.files
	g.digest.sha256 == f.digest.sha256
	object.get(g, "scope", "") != "table"
}

partial_msg(doc, why) := sprintf("data validation of %s covers only part of the data: %s", [lib.subject(doc), why])

# METADATA
# title: Data validation warnings
# custom:
#   severity: medium
warn_warned contains msg if {
	some doc in lib.evidence("DataValidation")
	doc.status == "warn"
	msg := sprintf("data validation of %s warned: %s", [lib.subject(doc), doc.summary])
}
