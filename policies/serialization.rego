# METADATA
# title: Safe serialization formats only
# description: >-
#   Model files must be in formats that cannot run code when loaded
#   (safetensors, ONNX, GGUF). Pickle-based formats execute arbitrary code on
#   load and are refused unless an exemption names the model.
# custom:
#   severity: critical
#   remediation: >-
#     Convert the weights to safetensors or ONNX. If that is impossible, add a
#     reviewed exemption (config.exemptions: rule pickle, model, reason).
package mlgate.serialization

import data.mlgate.lib

# Extensions of pickle-based formats (PyTorch .bin/.pt/.pth checkpoints,
# joblib, plain pickle, Lightning .ckpt).
pickle_extensions := {"pkl", "pickle", "pt", "pth", "bin", "joblib", "ckpt", "dill", "sav"}

extension(path) := lower(ext) if {
	parts := split(path, ".")
	count(parts) > 1
	ext := parts[count(parts) - 1]
}

# files lists the model's files: those the gate listed and those a signature
# verification covered.
files contains f.path if some f in input.model.files

files contains f.path if {
	some doc in lib.evidence("Verification")
	some f in doc.subject.files
}

# METADATA
# title: No pickle-based model files
deny_pickle contains msg if {
	some path in files
	extension(path) in pickle_extensions
	msg := sprintf("%s is a pickle-based format (.%s), which can run code when loaded", [path, extension(path)])
}

# METADATA
# title: Model files are known
# custom:
#   severity: medium
warn_no_files contains "the model's files are unknown: pass --model DIR or Verification evidence so formats can be checked" if {
	count(files) == 0
}

# A reviewed exemption lets a named model keep a pickle file.
exception contains "pickle" if {
	some ex in lib.setting(["exemptions"], [])
	ex.rule == "pickle"
	ex.model == input.model.name
	not lib.blank(object.get(ex, "reason", ""))
}
