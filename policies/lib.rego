# METADATA
# title: Shared helpers of the mlgate policy library
# description: Settings lookup and evidence access used by every policy.
package mlgate.lib

# config is the settings document (data.config) given with --data.
default config := {}

config := data.config

# setting is config.<path> or default_value: teams tune the library with a
# --data file instead of editing policies.
setting(path, default_value) := object.get(config, path, default_value)

# evidence lists the evidence documents of one kind given to the gate.
evidence(kind) := object.get(input, ["evidence", kind], [])

# metadata is the model card's front matter (or metadata file).
metadata := object.get(input, ["model", "metadata"], {})

# blank holds for values that say nothing.
blank(v) if v in {"", null, [], {}}

# subject names an evidence document for messages.
subject(doc) := object.get(doc, ["subject", "name"], "unnamed subject")

# percent formats a share (0.5) as a percentage with one decimal ("50%").
percent(share) := sprintf("%v%%", [round(share * 1000) / 10])
