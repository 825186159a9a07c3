# METADATA
# title: Model card completeness
# description: >-
#   The model card documents what reviewers and users need to judge the model:
#   intended use, limitations, training data, evaluation, owner and license.
# custom:
#   severity: high
#   remediation: >-
#     Add the missing fields to the model card's YAML front matter
#     (intended_use, limitations, training_data, evaluation, owner, license)
#     or as sections (## Intended use, ## Limitations, ...).
package mlgate.model_card

import data.mlgate.lib

# required maps each field to the front-matter keys and the heading pattern
# that document it (Hugging Face cards use headings such as
# "Intended uses & limitations" and "Training data").
required := {
	"intended use": {"keys": ["intended_use", "intended_uses"], "heading": `(?i)intended use`},
	"limitations": {"keys": ["limitations"], "heading": `(?i)limitation`},
	"training data": {"keys": ["training_data", "datasets"], "heading": `(?i)training (data|dataset)`},
	"evaluation": {"keys": ["evaluation", "model-index"], "heading": `(?i)evaluation`},
	"owner": {"keys": ["owner", "owners", "maintainers"], "heading": `(?i)^(owner|owners|maintainers|contact)`},
	"license": {"keys": ["license"], "heading": `(?i)^licen[sc]e`},
}

# METADATA
# title: Model card is present
# custom:
#   remediation: Pass the model card (README.md with front matter) or a metadata file with --model-card.
deny_missing_card contains "no model card was given to the gate" if {
	not input.model.card
}

# METADATA
# title: Model card has its required fields
deny_missing_field contains msg if {
	input.model.card
	some field, spec in required
	not documented(spec)
	msg := sprintf("model card %s does not document %s (front matter %s, or a section heading)", [input.model.card, field, concat(" or ", spec.keys)])
}

documented(spec) if {
	some key in spec.keys
	not lib.blank(object.get(lib.metadata, key, ""))
}

documented(spec) if {
	some heading in input.model.sections
	regex.match(spec.heading, heading)
}
