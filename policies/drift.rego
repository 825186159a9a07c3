# METADATA
# title: No drift beyond tolerance
# description: >-
#   The data the model is promoted on has not drifted from the reference beyond
#   tolerance: the drift report's verdict, an optional tighter share of drifted
#   columns, and columns that must never drift.
# custom:
#   severity: medium
#   remediation: >-
#     Investigate the drifted columns in the drift report; retrain on current
#     data, or widen config.drift tolerances with a reviewed change.
package mlgate.drift

import data.mlgate.lib

# METADATA
# title: Drift evidence is present
deny_missing contains "no DriftReport evidence: run mlgate drift --out FILE and pass it with --evidence" if {
	lib.setting(["drift", "required"], true)
	count(lib.evidence("DriftReport")) == 0
}

# METADATA
# title: Drift report verdict
deny_drifted contains msg if {
	some doc in lib.evidence("DriftReport")
	doc.details.drifted == true
	msg := sprintf("%s drifted: %s of columns drifted (threshold %s)", [lib.subject(doc), lib.percent(doc.details.driftedShare), lib.percent(doc.details.shareThreshold)])
}

deny_drifted contains msg if {
	some doc in lib.evidence("DriftReport")
	doc.status == "error"
	msg := sprintf("drift of %s could not be computed: %s", [lib.subject(doc), doc.summary])
}

# A report fails without dataset drift when a column changed type or a
# column the drift settings hold to severity error drifted.
deny_drifted contains msg if {
	some doc in lib.evidence("DriftReport")
	doc.status == "fail"
	not doc.details.drifted
	msg := sprintf("drift report of %s failed: %s", [lib.subject(doc), doc.summary])
}

# METADATA
# title: Drifted share within the team's tolerance
deny_share contains msg if {
	max_share := lib.setting(["drift", "max_drifted_share"], 1)
	some doc in lib.evidence("DriftReport")
	doc.details.driftedShare > max_share
	msg := sprintf("%s: %s of columns drifted, more than the tolerated %s", [lib.subject(doc), lib.percent(doc.details.driftedShare), lib.percent(max_share)])
}

# METADATA
# title: Critical columns have not drifted
deny_critical_column contains msg if {
	critical := {c | some c in lib.setting(["drift", "critical_columns"], [])}
	some doc in lib.evidence("DriftReport")
	some col in doc.details.columns
	col.drifted == true
	col.column in critical
	msg := sprintf("critical column %q drifted in %s (%s %v, threshold %v)", [col.column, lib.subject(doc), col.method, col.statistic, col.threshold])
}

# METADATA
# title: Drift is measured against the trusted reference
# description: >-
#   With config.drift.reference_sha256 (the sha256 of the reference profiles
#   or files the team reviewed), a drift report must have compared against
#   one of them: a report against a reference the pull request chose (its
#   own data: nothing drifts) proves nothing.
# custom:
#   remediation: Run mlgate drift with the reviewed reference from the base branch and pass its evidence.
deny_reference contains msg if {
	trusted := {d | some d in lib.setting(["drift", "reference_sha256"], [])}
	count(trusted) > 0
	some doc in lib.evidence("DriftReport")
	not trusted_reference(doc, trusted)
	msg := sprintf("%s: drift was measured against %s, not a trusted reference (config.drift.reference_sha256)", [lib.subject(doc), object.get(doc, ["details", "reference"], "an unnamed reference")])
}

trusted_reference(doc, trusted) if {
	some f in object.get(doc, ["details", "referenceInputs", "profiles"], [])
	f.digest.sha256 in trusted
}

trusted_reference(doc, trusted) if {
	count(object.get(doc, ["details", "referenceInputs", "profiles"], [])) == 0
	files := object.get(doc, ["details", "referenceInputs", "data"], [])
	count(files) > 0
	every f in files {
		f.digest.sha256 in trusted
	}
}
