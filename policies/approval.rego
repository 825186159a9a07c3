# METADATA
# title: High-risk models need approval
# description: >-
#   A model whose card declares it high-risk (risk: high, or the tag
#   high-risk), or every model when the settings say so (approval.required:
#   the card is the pull request's to edit, so only the settings can hold a
#   model to approval), is promoted only from a pull request that carries the
#   approval label, which only the model-risk reviewers may set.
# custom:
#   severity: high
#   remediation: >-
#     Ask a model-risk reviewer to review the pull request and add the approval
#     label (config.approval.label, default approved-for-production).
package mlgate.approval

import data.mlgate.lib

label := lib.setting(["approval", "label"], "approved-for-production")

# The settings hold every model to approval: a pull request can drop
# risk: high from its card, not from the settings.
high_risk if lib.setting(["approval", "required"], false) == true

high_risk if lower(object.get(lib.metadata, "risk", "")) == "high"

high_risk if "high-risk" in object.get(lib.metadata, "tags", [])

# METADATA
# title: High-risk promotion comes from a pull request
deny_no_pull_request contains "the model is high-risk and this run has no pull request to carry the approval label" if {
	high_risk
	not input.github.pullRequest
}

# METADATA
# title: High-risk promotion is approved
deny_unapproved contains msg if {
	high_risk
	pr := input.github.pullRequest
	not label in pr.labels
	msg := sprintf("the model is high-risk and pull request #%d lacks the label %q", [pr.number, label])
}
