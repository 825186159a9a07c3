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
# title: Data validation warnings
# custom:
#   severity: medium
warn_warned contains msg if {
	some doc in lib.evidence("DataValidation")
	doc.status == "warn"
	msg := sprintf("data validation of %s warned: %s", [lib.subject(doc), doc.summary])
}
