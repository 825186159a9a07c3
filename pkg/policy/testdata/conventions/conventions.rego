# METADATA
# title: Conventions package
# description: Exercises every rule convention.
# custom:
#   severity: medium
#   remediation: Package-level remediation.
package conv

# METADATA
# title: Plain deny
# custom:
#   severity: high
deny contains "plain string" if input.model.metadata.deny

deny contains "second message" if input.model.metadata.deny

# METADATA
# title: Violation with an object
violation contains {"msg": "object message", "remediation": "do this instead", "severity": "critical"} if input.model.metadata.violation

warn_soft contains "soft warning" if input.model.metadata.warn

# METADATA
# title: Exempted rule
deny_legacy contains "legacy format" if input.model.metadata.legacy

exception contains "legacy" if input.model.metadata.exempt

# conftest writes exceptions as arrays of rule names.
exception contains ["legacy"] if input.model.metadata.exempt_conftest

helper := true
