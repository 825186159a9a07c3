package mlgate.approval_test

import data.mlgate.approval

run(meta, github) := {"model": {"metadata": meta}, "github": github}

pr(labels) := {"event": "pull_request", "pullRequest": {"number": 42, "labels": labels}}

denials(inp) := d if {
	d := approval.deny_no_pull_request | approval.deny_unapproved with input as inp
}

test_low_risk_needs_nothing if {
	count(denials(run({"risk": "low"}, {}))) == 0
}

test_high_risk_with_label_passes if {
	count(denials(run({"risk": "High"}, pr(["approved-for-production"])))) == 0
}

test_high_risk_without_label_is_denied if {
	denials(run({"risk": "high"}, pr(["ml"]))) == {`the model is high-risk and pull request #42 lacks the label "approved-for-production"`}
}

test_high_risk_tag_counts if {
	count(denials(run({"tags": ["fraud", "high-risk"]}, pr([])))) == 1
}

test_high_risk_without_pull_request_is_denied if {
	denials(run({"risk": "high"}, {"event": "push"})) == {"the model is high-risk and this run has no pull request to carry the approval label"}
}

test_label_comes_from_config if {
	inp := run({"risk": "high"}, pr(["risk-approved"]))
	count(approval.deny_unapproved) == 0 with input as inp with data.config as {"approval": {"label": "risk-approved"}}
}

# A pull request can drop risk: high from its card; the settings still hold
# the model to approval.
test_settings_require_approval_whatever_the_card if {
	cfg := {"approval": {"required": true}}
	count(approval.deny_unapproved) == 1 with input as run({"risk": "low"}, pr([])) with data.config as cfg
	count(approval.deny_unapproved) == 0 with input as run({}, pr(["approved-for-production"])) with data.config as cfg
	count(approval.deny_unapproved) == 0 with input as run({}, pr([])) with data.config as {"approval": {"required": false}}
}
