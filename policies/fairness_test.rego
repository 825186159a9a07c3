package mlgate.fairness_test

import data.mlgate.fairness

metrics(m) := {"metrics": {"candidate": m}}

test_no_subgroups_passes if {
	count(fairness.deny_gap) == 0 with input as metrics({"accuracy": 0.9, "eval.f1": 0.8})
	count(fairness.deny_disparate_impact) == 0 with input as metrics({"accuracy": 0.9})
}

test_small_gap_passes if {
	m := {"subgroups.sex.female.recall": 0.81, "subgroups.sex.male.recall": 0.84}
	count(fairness.deny_gap) == 0 with input as metrics(m)
}

test_large_gap_is_denied if {
	m := {"subgroups.age.young.recall": 0.70, "subgroups.age.middle.recall": 0.84, "subgroups.age.old.recall": 0.80}
	denials := fairness.deny_gap with input as metrics(m)
	denials == {"recall differs by 0.14 across age groups (middle 0.84, old 0.8, young 0.7), more than 0.05"}
}

test_gap_bound_per_metric if {
	m := {"subgroups.age.young.recall": 0.70, "subgroups.age.old.recall": 0.80}
	count(fairness.deny_gap) == 0 with input as metrics(m) with data.config as {"fairness": {"max_gaps": {"recall": 0.15}}}
	count(fairness.deny_gap) == 1 with input as metrics(m) with data.config as {"fairness": {"max_gap": 0.05}}
}

test_four_fifths_rule if {
	m := {"subgroups.sex.female.selection_rate": 0.30, "subgroups.sex.male.selection_rate": 0.40}
	denials := fairness.deny_disparate_impact with input as metrics(m) with data.config as {"fairness": {"max_gap": 1}}
	denials == {"selection rate ratio across sex groups is 0.75, below 0.8 (female 0.3, male 0.4)"}
	count(fairness.deny_disparate_impact) == 0 with input as metrics({"subgroups.sex.female.selection_rate": 0.36, "subgroups.sex.male.selection_rate": 0.40})
}
