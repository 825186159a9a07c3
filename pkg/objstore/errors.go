package objstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"syscall"
)

// statusError is an HTTP status other than 200 and 206 from any backend.
type statusError struct {
	code int
	msg  string
}

func (e *statusError) Error() string { return e.msg }

// httpStatus digs the HTTP status out of an error, 0 if none.
func httpStatus(err error) int {
	var se *statusError
	if errors.As(err, &se) {
		return se.code
	}
	return 0
}

// transient reports a failure worth retrying: throttling, a server error, or
// a connection that broke (also mid-body).
func transient(err error) bool {
	if errors.Is(err, errChanged) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	switch c := httpStatus(err); {
	case c == http.StatusTooManyRequests || c == http.StatusRequestTimeout || c >= 500:
		return true
	case c != 0:
		return false
	}
	var ne net.Error
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EPIPE) || errors.As(err, &ne)
}

// describe turns a failed request into an error naming the object, and, for
// refusals, the source of the credentials that were refused.
func (s *Store) describe(url string, b backend, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%s: %w", url, err)
	}
	switch httpStatus(err) {
	case http.StatusNotFound:
		return fmt.Errorf("%s: no such object or bucket", url)
	case http.StatusUnauthorized, http.StatusForbidden:
		return fmt.Errorf("%s: access denied with %s", url, b.credentials())
	}
	return fmt.Errorf("%s: %w", url, err)
}
