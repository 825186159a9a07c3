package helpers

allow := true
