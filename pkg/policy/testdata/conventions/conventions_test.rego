package conv_test

import data.conv

test_deny if {
	conv.deny == {"plain string", "second message"} with input as {"model": {"metadata": {"deny": true}}}
}
