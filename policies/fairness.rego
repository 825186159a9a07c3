# METADATA
# title: Fairness bounds on subgroup metrics
# description: >-
#   When the evaluation reports metrics per subgroup (metric names
#   subgroups.ATTRIBUTE.GROUP.METRIC), the gap between the best and the worst
#   group stays within bounds, and selection rates respect the four-fifths rule.
# custom:
#   severity: high
#   remediation: >-
#     Look at the groups named in the message; rebalance or reweight the
#     training data, or adjust thresholds per group, and re-evaluate.
package mlgate.fairness

import data.mlgate.lib

# values holds [attribute, metric, group, value] for every subgroup metric.
values contains [attr, metric, group, v] if {
	some name, v in input.metrics.candidate
	parts := split(name, ".")
	count(parts) == 4
	parts[0] == "subgroups"
	[_, attr, group, metric] := parts
}

# by_metric groups the values of one attribute and metric: {group: value}.
by_metric[[attr, metric]] := {group: v | some [attr, metric, group, v] in values} if {
	some [attr, metric, _, _] in values
}

max_gap(metric) := lib.setting(["fairness", "max_gaps", metric], lib.setting(["fairness", "max_gap"], 0.05))

min_ratio := lib.setting(["fairness", "min_selection_rate_ratio"], 0.8)

# METADATA
# title: Subgroup gap within bounds
deny_gap contains msg if {
	some [attr, metric], groups in by_metric
	count(groups) > 1
	vals := [v | some v in groups]
	gap := max(vals) - min(vals)
	gap > max_gap(metric)
	msg := sprintf("%s differs by %v across %s groups (%s), more than %v", [metric, rounded(gap), attr, spread(groups), max_gap(metric)])
}

# METADATA
# title: Selection rates respect the four-fifths rule
deny_disparate_impact contains msg if {
	some [attr, "selection_rate"], groups in by_metric
	vals := [v | some v in groups]
	max(vals) > 0
	ratio := min(vals) / max(vals)
	ratio < min_ratio
	msg := sprintf("selection rate ratio across %s groups is %v, below %v (%s)", [attr, rounded(ratio), min_ratio, spread(groups)])
}

spread(groups) := concat(", ", [sprintf("%s %v", [g, v]) | some g, v in groups])

# rounded keeps four decimals for messages.
rounded(x) := round(x * 10000) / 10000
