package mlgate.serialization_test

import data.mlgate.serialization

model(files) := {"model": {"name": "fraud-model", "files": [{"path": p, "size": 1} | some p in files]}}

sniffed(files) := {"model": {"name": "fraud-model", "files": [{"path": p, "size": 1, "format": f} | some p, f in files]}}

test_safe_formats_pass if {
	inp := model(["model.safetensors", "model.onnx", "config.json", "tokenizer.json", "README.md"])
	count(serialization.deny_pickle) == 0 with input as inp
	count(serialization.warn_no_files) == 0 with input as inp
}

test_pickle_formats_are_denied if {
	denials := serialization.deny_pickle with input as model(["model.safetensors", "pytorch_model.bin", "sub/clf.PKL", "model.joblib"])
	count(denials) == 3
	"pytorch_model.bin is pickle-based (.bin file), which can run code when loaded" in denials
}

test_content_decides_ambiguous_extensions if {
	denials := serialization.deny_pickle with input as sniffed({
		"openvino_model.bin": "other",
		"pytorch_model.bin": "pytorch",
		"weights.dat": "pickle",
		"model.safetensors": "safetensors",
		"converted.pt": "safetensors",
	})
	denials == {
		"pytorch_model.bin is pickle-based (its content is pytorch), which can run code when loaded",
		"weights.dat is pickle-based (its content is pickle), which can run code when loaded",
	}
}

test_unknown_content_under_torch_extensions_is_denied if {
	denials := serialization.deny_pickle with input as sniffed({"model.pt": "other", "model.ckpt": "zip", "raw.bin": "other"})
	denials == {
		"model.pt is pickle-based (.pt file), which can run code when loaded",
		"model.ckpt is pickle-based (.ckpt file whose content is zip), which can run code when loaded",
	}
}

test_files_from_verification_are_checked if {
	inp := {"model": {"files": []}, "evidence": {"Verification": [{"subject": {"name": "m", "files": [{"path": "weights.pt"}]}}]}}
	count(serialization.deny_pickle) == 1 with input as inp
}

test_unknown_files_warn if {
	count(serialization.warn_no_files) == 1 with input as {"model": {"files": []}}
}

hashed(files) := {"model": {"name": "fraud-model", "files": [{"path": p, "size": 1, "sha256": d} | some p, d in files]}}

exemption := {"rule": "pickle", "model": "fraud-model", "reason": "legacy sklearn model, conversion tracked in RISK-12", "sha256": ["aaa"]}

test_exemption_needs_model_reason_and_digests if {
	inp := hashed({"clf.pkl": "aaa", "model.onnx": "ccc"})
	serialization.exception == {"pickle"} with input as inp with data.config as {"exemptions": [exemption]}
	count(serialization.exception) == 0 with input as inp with data.config as {"exemptions": [object.union(exemption, {"reason": ""})]}
	count(serialization.exception) == 0 with input as inp with data.config as {"exemptions": [object.union(exemption, {"model": "other"})]}
	count(serialization.exception) == 0 with input as inp with data.config as {"exemptions": [object.remove(exemption, ["sha256"])]}
}

# The name is the pull request's (its card's model_name or folder): a pickle
# whose bytes nobody reviewed stays denied under an exempted name.
test_exemption_covers_only_the_reviewed_files if {
	cfg := {"exemptions": [exemption]}
	count(serialization.exception) == 0 with input as hashed({"clf.pkl": "aaa", "extra.pkl": "bbb"}) with data.config as cfg
	count(serialization.exception) == 0 with input as hashed({"clf.pkl": "bbb"}) with data.config as cfg
	count(serialization.exception) == 0 with input as model(["clf.pkl"]) with data.config as cfg
	serialization.deny_pickle == {"clf.pkl is pickle-based (.pkl file), which can run code when loaded (sha256 bbb)"} with input as hashed({"clf.pkl": "bbb"})
}

test_exemption_covers_verified_files_by_digest if {
	inp := {"model": {"name": "fraud-model", "files": []}, "evidence": {"Verification": [{"subject": {"name": "m", "files": [{"path": "clf.pkl", "digest": {"sha256": "aaa"}}]}}]}}
	serialization.exception == {"pickle"} with input as inp with data.config as {"exemptions": [exemption]}
}

test_unpinned_exemption_warns if {
	serialization.warn_unpinned_exemption == {"the pickle exemption of fraud-model lists no sha256 of the files it allows, so it exempts nothing"} with data.config as {"exemptions": [object.remove(exemption, ["sha256"])]}
	count(serialization.warn_unpinned_exemption) == 0 with data.config as {"exemptions": [exemption]}
}
