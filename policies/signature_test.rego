package mlgate.signature_test

import data.mlgate.signature

release := "https://github.com/acme/fraud-model/.github/workflows/release.yml@refs/heads/main"

issuer := "https://token.actions.githubusercontent.com"

verification(status, signer) := {
	"kind": "Verification", "status": status, "summary": "verified",
	"subject": {"name": "model", "files": [{"path": "model.safetensors"}]},
	"details": {"format": "model-signing/v1.0", "bundle": "model.sig", "digest": {}, "signer": signer},
}

all_denials(inp, cfg) := {m |
	some rule in ["deny_missing", "deny_unconfigured", "deny_failed", "deny_identity"]
	some m in signature[rule] with input as inp with data.config as cfg
}

test_expected_identity_passes if {
	inp := {"evidence": {"Verification": [verification("pass", {"identity": release, "issuer": issuer})]}}
	count(all_denials(inp, {"signing": {"identity": release, "issuer": issuer}})) == 0
}

test_identity_regexp_passes if {
	inp := {"evidence": {"Verification": [verification("pass", {"identity": release, "issuer": issuer})]}}
	cfg := {"signing": {"identity_regexp": `^https://github\.com/acme/.*/release\.yml@refs/heads/main$`}}
	count(all_denials(inp, cfg)) == 0
}

test_approved_key_passes if {
	inp := {"evidence": {"Verification": [verification("pass", {"key": "SHA256:abc"})]}}
	count(all_denials(inp, {"signing": {"keys": ["SHA256:abc"]}})) == 0
}

test_other_identity_is_denied if {
	inp := {"evidence": {"Verification": [verification("pass", {"identity": "mallory@example.com", "issuer": "https://accounts.google.com"})]}}
	denials := all_denials(inp, {"signing": {"identity": release, "issuer": issuer}})
	denials == {`model was signed by identity "mallory@example.com" (issuer "https://accounts.google.com"), not by the expected signer`}
}

test_wrong_issuer_is_denied if {
	inp := {"evidence": {"Verification": [verification("pass", {"identity": release, "issuer": "https://evil.example"})]}}
	count(all_denials(inp, {"signing": {"identity": release, "issuer": issuer}})) == 1
}

test_unknown_key_is_denied if {
	inp := {"evidence": {"Verification": [verification("pass", {"key": "SHA256:zzz"})]}}
	all_denials(inp, {"signing": {"keys": ["SHA256:abc"]}}) == {`model was signed by key "SHA256:zzz", not by the expected signer`}
}

test_no_signer_is_denied if {
	inp := {"evidence": {"Verification": [verification("pass", {})]}}
	all_denials(inp, {"signing": {"identity": release}}) == {"model was signed by an unknown signer, not by the expected signer"}
}

test_failed_verification_is_denied if {
	inp := {"evidence": {"Verification": [verification("fail", {"identity": release, "issuer": issuer})]}}
	all_denials(inp, {"signing": {"identity": release}}) == {"verification of model did not pass: verified"}
}

test_missing_evidence_and_config_are_denied if {
	denials := all_denials({"evidence": {}}, {})
	count(denials) == 2
}
