package progress

import (
	"context"
	"testing"
)

func TestContextWithoutReporterIsSilent(t *testing.T) {
	task := Start(context.Background(), "x", Bytes, 1)
	task.Add(1)
	task.Done()
	var c Counter
	ctx := NewContext(context.Background(), countingReporter{&c})
	Start(ctx, "x", Bytes, 10).Add(7)
	if c.Value() != 7 {
		t.Fatalf("counted %d, want 7", c.Value())
	}
	if NewContext(context.Background(), nil) != context.Background() {
		t.Fatal("a nil reporter changed the context")
	}
}

type countingReporter struct{ c *Counter }

func (r countingReporter) Start(string, Unit, int64) Task { return r.c }
