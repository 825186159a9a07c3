package testenv

import (
	"context"
	"testing"
	"time"
)

// Context ends a little before the test's own deadline (go test -timeout),
// leaving time to print what a slow command or server logged, so that waits
// take their time from the work, never from a fixed clock that a loaded
// machine can outrun.
func Context(t *testing.T) context.Context {
	t.Helper()
	d, ok := t.Deadline()
	if !ok {
		return t.Context()
	}
	ctx, cancel := context.WithDeadline(t.Context(), d.Add(-min(time.Minute, time.Until(d)/10)))
	t.Cleanup(cancel)
	return ctx
}
