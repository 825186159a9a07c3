// Package progress lets long work (hashing a model, scanning Parquet,
// transfers) say how far it is without printing: a library takes a Reporter,
// nil meaning silent, and the command supplies one that draws a bar on a
// terminal or writes a plain line every few seconds to a log (package
// progress/display, which libraries never import). Steps carry the reporter in the context, so the layers below a step
// reach it without a parameter on every function.
package progress

import (
	"context"
	"io"
	"sync/atomic"
)

// Unit is what a task counts.
type Unit int

const (
	// Items counts things (chunks, files, objects).
	Items Unit = iota
	// Bytes counts bytes, shown in binary units with a rate.
	Bytes
)

// Reporter shows the progress of tasks. Implementations are safe for
// concurrent use: workers Add from several goroutines.
type Reporter interface {
	// Start begins a task named for a person ("hashing model"); total is
	// the amount of work in unit, or below 0 when unknown.
	Start(name string, unit Unit, total int64) Task
}

// Task is one piece of long work in progress.
type Task interface {
	// Add records n more units done.
	Add(n int64)
	// Done ends the task (whether it finished or failed).
	Done()
}

type ctxKey struct{}

// NewContext returns ctx carrying r (a nil r carries nothing).
func NewContext(ctx context.Context, r Reporter) context.Context {
	if r == nil {
		return ctx
	}
	return context.WithValue(ctx, ctxKey{}, r)
}

// FromContext is the reporter ctx carries, or nil.
func FromContext(ctx context.Context) Reporter {
	r, _ := ctx.Value(ctxKey{}).(Reporter)
	return r
}

// Start begins a task on the context's reporter; without one the task is a
// no-op, so callers never check for nil.
func Start(ctx context.Context, name string, unit Unit, total int64) Task {
	if r := FromContext(ctx); r != nil {
		return r.Start(name, unit, total)
	}
	return nop{}
}

type nop struct{}

func (nop) Add(int64) {}
func (nop) Done()     {}

// Counter is a Task that only counts, for tests and for callers that poll.
type Counter struct{ n atomic.Int64 }

func (c *Counter) Add(n int64) { c.n.Add(n) }
func (c *Counter) Done()       {}

// Value is the count so far.
func (c *Counter) Value() int64 { return c.n.Load() }

// Reader counts what is read through r on t (an upload or a download).
func Reader(r io.Reader, t Task) io.Reader { return &reader{r, t} }

type reader struct {
	r io.Reader
	t Task
}

func (r *reader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	r.t.Add(int64(n))
	return n, err
}
