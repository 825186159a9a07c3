package mlgate.license_test

import data.mlgate.license

card(meta) := {"model": {"card": "README.md", "metadata": meta}}

test_allowed_license_passes if {
	count(license.deny_model) == 0 with input as card({"license": "Apache-2.0"})
	count(license.deny_missing) == 0 with input as card({"license": "Apache-2.0"})
	count(license.deny_base_model) == 0 with input as card({"license": "Apache-2.0"})
}

test_missing_license_is_denied if {
	license.deny_missing == {"the model card declares no license"} with input as card({})
}

test_license_off_the_allowlist_is_denied if {
	denials := license.deny_model with input as card({"license": "cc-by-nc-4.0"})
	count(denials) == 1
}

test_license_list_is_checked_item_by_item if {
	denials := license.deny_model with input as card({"license": ["mit", "gpl-3.0"]})
	count(denials) == 1
}

test_allowlist_comes_from_config if {
	count(license.deny_model) == 0 with input as card({"license": "gpl-3.0"}) with data.config as {"license": {"allowed": ["GPL-3.0"]}}
}

test_base_model_needs_a_license if {
	denials := license.deny_base_model with input as card({"license": "mit", "base_model": "meta-llama/Llama-3-8B"})
	denials == {"base model meta-llama/Llama-3-8B declares no license: add base_model_license to the model card"}
}

test_base_model_license_is_checked if {
	count(license.deny_base_model) == 1 with input as card({"license": "mit", "base_model": "x", "base_model_license": "llama3"})
	count(license.deny_base_model) == 0 with input as card({"license": "mit", "base_model": "x", "base_model_license": "apache-2.0"})
}
