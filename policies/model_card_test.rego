package mlgate.model_card_test

import data.mlgate.model_card

complete_front_matter := {
	"intended_use": "Fraud scoring of card transactions",
	"limitations": "Not for transactions outside the EU",
	"training_data": "transactions-2026q3",
	"evaluation": "holdout 2026-10",
	"owner": "risk-ml@example.com",
	"license": "apache-2.0",
}

test_complete_front_matter_passes if {
	count(model_card.deny_missing_field) == 0 with input as {"model": {"card": "README.md", "metadata": complete_front_matter, "sections": []}}
	count(model_card.deny_missing_card) == 0 with input as {"model": {"card": "README.md", "metadata": complete_front_matter, "sections": []}}
}

test_sections_document_fields if {
	sections := ["Model description", "Intended uses & limitations", "Training data", "Evaluation results", "Owners"]
	count(model_card.deny_missing_field) == 0 with input as {"model": {"card": "README.md", "metadata": {"license": "mit"}, "sections": sections}}
}

test_missing_fields_are_named if {
	denials := model_card.deny_missing_field with input as {"model": {"card": "README.md", "metadata": {"license": "mit", "owner": ""}, "sections": ["Training data"]}}
	count(denials) == 4
	"model card README.md does not document owner (front matter owner or owners or maintainers, or a section heading)" in denials
}

test_no_card_is_denied if {
	model_card.deny_missing_card == {"no model card was given to the gate"} with input as {"model": {"metadata": {}}}
	count(model_card.deny_missing_field) == 0 with input as {"model": {"metadata": {}}}
}
