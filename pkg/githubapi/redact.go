package githubapi

import "strings"

// Redact removes the token from an error's text, keeping the error matchable
// with errors.Is/As (IsForbidden) through the wrapped original.
func Redact(err error, token string) error {
	if err == nil || token == "" || !strings.Contains(err.Error(), token) {
		return err
	}
	return &redactedError{msg: strings.ReplaceAll(err.Error(), token, "***"), err: err}
}

type redactedError struct {
	msg string
	err error
}

func (r *redactedError) Error() string { return r.msg }
func (r *redactedError) Unwrap() error { return r.err }
