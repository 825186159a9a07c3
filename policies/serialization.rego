# METADATA
# title: Safe serialization formats only
# description: >-
#   Model files must be in formats that cannot run code when loaded
#   (safetensors, ONNX, GGUF). Pickle-based formats execute arbitrary code on
#   load and are refused unless a reviewed exemption lists the sha256 of each
#   such file.
# custom:
#   severity: critical
#   remediation: >-
#     Convert the weights to safetensors or ONNX. If that is impossible, add a
#     reviewed exemption (config.exemptions: rule pickle, model, reason, and
#     sha256: the digest of each pickle-based file, as the message shows it).
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
# content shows and, once hashed, their sha256) and those a signature
# verification covered (names and digests only).
files contains {"path": f.path, "format": object.get(f, "format", ""), "sha256": object.get(f, "sha256", "")} if some f in input.model.files

files contains {"path": f.path, "format": "", "sha256": object.get(f, ["digest", "sha256"], "")} if {
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
	msg := sprintf("%s is pickle-based (%s), which can run code when loaded%s", [f.path, describe(f), digest_note(f)])
}

# digest_note names the file's sha256, which an exemption lists, when known.
default digest_note(_) := ""

digest_note(f) := sprintf(" (sha256 %s)", [f.sha256]) if f.sha256 != ""

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

# A reviewed exemption lets a named model keep the pickle-based files whose
# sha256 it lists, and no others: the model's name comes from the pull
# request's card or folder, so only the digests say which bytes were
# reviewed (a new pickle under an exempted name stays denied).
exception contains "pickle" if {
	some ex in pickle_exemptions
	ex.model == input.model.name
	not lib.blank(object.get(ex, "reason", ""))
	reviewed := {d | some d in object.get(ex, "sha256", []); is_string(d); d != ""}
	every f in files {
		exempted(f, reviewed)
	}
}

pickle_exemptions contains ex if {
	some ex in lib.setting(["exemptions"], [])
	ex.rule == "pickle"
}

exempted(f, _) if not pickled(f)

exempted(f, reviewed) if f.sha256 in reviewed

# METADATA
# title: Pickle exemptions list the files they allow
# custom:
#   severity: medium
#   remediation: Add the sha256 of each reviewed pickle-based file to the exemption; deny_pickle names them.
warn_unpinned_exemption contains msg if {
	some ex in pickle_exemptions
	count(object.get(ex, "sha256", [])) == 0
	msg := sprintf("the pickle exemption of %v lists no sha256 of the files it allows, so it exempts nothing", [object.get(ex, "model", "an unnamed model")])
}
