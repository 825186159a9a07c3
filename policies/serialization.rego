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

# Extensions that are always pickle-based (plain pickle, joblib, dill).
pickle_extensions := {"pkl", "pickle", "joblib", "dill", "sav"}

# Extensions torch.load reads (it unpickles them): refused unless the gate
# recognised a format without pickle in their content.
torch_extensions := {"pt", "pth", "ckpt"}

# .bin is PyTorch's too, but also raw weights (OpenVINO): refused when the
# content holds a pickle or was not read.
maybe_pickle_extensions := {"bin"}

# Formats the gate recognises in a file's content that hold a pickle
# (recognised by opcode structure, whatever the protocol or header).
pickle_formats := {"pickle", "pytorch"}

# Formats the gate recognises that cannot hold a pickle.
safe_formats := {"safetensors", "gguf", "numpy", "onnx"}

extension(path) := lower(ext) if {
	parts := split(path, ".")
	count(parts) > 1
	ext := parts[count(parts) - 1]
}

# files lists the model's files: those the gate listed (with the format their
# content shows) and those a signature verification covered (names only).
files contains {"path": f.path, "format": object.get(f, "format", "")} if some f in input.model.files

files contains {"path": f.path, "format": ""} if {
	some doc in lib.evidence("Verification")
	some f in doc.subject.files
}

pickled(f) if f.format in pickle_formats

pickled(f) if extension(f.path) in pickle_extensions

pickled(f) if {
	extension(f.path) in maybe_pickle_extensions
	f.format == ""
}

pickled(f) if {
	extension(f.path) in torch_extensions
	not f.format in safe_formats
}

# METADATA
# title: No pickle-based model files
deny_pickle contains msg if {
	some f in files
	pickled(f)
	msg := sprintf("%s is pickle-based (%s), which can run code when loaded", [f.path, describe(f)])
}

describe(f) := sprintf("its content is %s", [f.format]) if f.format in pickle_formats

describe(f) := sprintf(".%s file", [extension(f.path)]) if {
	not f.format in pickle_formats
	f.format in {"", "other"}
}

describe(f) := sprintf(".%s file whose content is %s", [extension(f.path), f.format]) if {
	not f.format in pickle_formats
	not f.format in {"", "other"}
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
