# METADATA
# title: License allowlist
# description: >-
#   The model's license and its base model's license must be on the
#   organisation's allowlist of SPDX identifiers.
# custom:
#   severity: high
#   remediation: >-
#     Declare an allowed SPDX license in the model card (license:, and
#     base_model_license: for fine-tuned models), or ask legal to extend
#     config.license.allowed.
package mlgate.license

import data.mlgate.lib

default_allowed := [
	"apache-2.0", "mit", "bsd-2-clause", "bsd-3-clause", "isc",
	"cc0-1.0", "cc-by-4.0", "cc-by-sa-4.0", "mpl-2.0", "unlicense",
]

allowed := {lower(l) | some l in lib.setting(["license", "allowed"], default_allowed)}

# licenses normalises a license field that is a string or a list.
licenses(value) := {value} if is_string(value)

licenses(value) := {l | some l in value} if is_array(value)

# METADATA
# title: Model declares a license
deny_missing contains "the model card declares no license" if {
	lib.blank(object.get(lib.metadata, "license", ""))
}

# METADATA
# title: Model license is allowed
deny_model contains msg if {
	some l in licenses(lib.metadata.license)
	not lower(l) in allowed
	msg := sprintf("model license %q is not on the allowlist (%s)", [l, concat(", ", sort(allowed))])
}

# METADATA
# title: Base model license is known and allowed
deny_base_model contains msg if {
	base := lib.metadata.base_model
	lib.blank(object.get(lib.metadata, "base_model_license", ""))
	msg := sprintf("base model %v declares no license: add base_model_license to the model card", [base])
}

deny_base_model contains msg if {
	some l in licenses(lib.metadata.base_model_license)
	not lower(l) in allowed
	msg := sprintf("base model license %q is not on the allowlist (%s)", [l, concat(", ", sort(allowed))])
}
