# METADATA
# title: Artifact signed by the expected identity
# description: >-
#   The model artifact was signed and the signature verified (mlgate verify),
#   by the identity and issuer the organisation expects (a release workflow's
#   certificate identity, or an approved key).
# custom:
#   severity: critical
#   remediation: >-
#     Sign the model in the release workflow (mlgate sign), verify it with
#     mlgate verify --out FILE, pass that evidence with --evidence, and set
#     config.signing to the expected identity.
package mlgate.signature

import data.mlgate.lib

signing := lib.setting(["signing"], {})

# METADATA
# title: Verification evidence is present
deny_missing contains "no Verification evidence: run mlgate verify --out FILE and pass it with --evidence" if {
	count(lib.evidence("Verification")) == 0
}

# METADATA
# title: Expected signer is configured
deny_unconfigured contains "no expected signer: set config.signing.identity, identity_regexp or keys in a --data file" if {
	not signing.identity
	not signing.identity_regexp
	not signing.keys
}

# METADATA
# title: Signature verified
deny_failed contains msg if {
	some doc in lib.evidence("Verification")
	doc.status != "pass"
	msg := sprintf("verification of %s did not pass: %s", [lib.subject(doc), doc.summary])
}

# METADATA
# title: Signed by the expected identity
deny_identity contains msg if {
	some doc in lib.evidence("Verification")
	doc.status == "pass"
	signer := object.get(doc, ["details", "signer"], {})
	not expected(signer)
	msg := sprintf("%s was signed by %s, not by the expected signer", [lib.subject(doc), describe(signer)])
}

expected(signer) if {
	signer.identity == signing.identity
	issuer_ok(signer)
}

expected(signer) if {
	regex.match(signing.identity_regexp, signer.identity)
	issuer_ok(signer)
}

expected(signer) if {
	signer.key in signing.keys
}

issuer_ok(signer) if {
	not signing.issuer
	signer.issuer
}

issuer_ok(signer) if signer.issuer == signing.issuer

describe(signer) := sprintf("identity %q (issuer %q)", [signer.identity, object.get(signer, "issuer", "")]) if signer.identity

describe(signer) := sprintf("key %q", [signer.key]) if signer.key

describe(signer) := "an unknown signer" if {
	not signer.identity
	not signer.key
}
