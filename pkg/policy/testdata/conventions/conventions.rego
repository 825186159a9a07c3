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
deny contains "plain string" if input.deny

deny contains "second message" if input.deny

# METADATA
# title: Violation with an object
violation contains {"msg": "object message", "remediation": "do this instead", "severity": "critical"} if input.violation

warn_soft contains "soft warning" if input.warn

# METADATA
# title: Exempted rule
deny_legacy contains "legacy format" if input.legacy

exception contains "legacy" if input.exempt

# conftest writes exceptions as arrays of rule names.
exception contains ["legacy"] if input.exempt_conftest

helper := true
