package display

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mlgate/mlgate/pkg/progress"
)

// fakeClock is moved by the test; no test here waits on wall time.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestLogWritesALineEveryInterval(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	var out strings.Builder
	l := &Log{W: &out, Every: 5 * time.Second, Now: clock.Now, Prefix: "mlgate: "}
	task := l.Start("hashing model", progress.Bytes, 4<<30)
	task.Add(1 << 30) // no time has passed: no line
	if out.Len() != 0 {
		t.Fatalf("a line before the interval: %q", out.String())
	}
	clock.advance(4 * time.Second)
	task.Add(0)
	if out.Len() != 0 {
		t.Fatalf("a line before the interval: %q", out.String())
	}
	clock.advance(1 * time.Second)
	task.Add(1 << 30)
	clock.advance(5 * time.Second)
	task.Add(1 << 30)
	task.Done()
	task.Done() // a second Done writes nothing
	want := "mlgate: hashing model: 2 GiB of 4 GiB (50%), 409.6 MiB/s, 5s\n" +
		"mlgate: hashing model: 3 GiB of 4 GiB (75%), 307.2 MiB/s, 10s\n" +
		"mlgate: hashing model: done, 3 GiB, 307.2 MiB/s, 10s\n"
	if out.String() != want {
		t.Fatalf("log:\n%s\nwant:\n%s", out.String(), want)
	}
}

func TestLogQuietForShortTasks(t *testing.T) {
	clock := &fakeClock{t: time.Unix(0, 0)}
	var out strings.Builder
	l := &Log{W: &out, Now: clock.Now}
	task := l.Start("reading Parquet", progress.Items, 10)
	task.Add(10)
	clock.advance(DefaultEvery - time.Millisecond)
	task.Done()
	if out.Len() != 0 {
		t.Fatalf("a task shorter than the interval printed %q", out.String())
	}
}

func TestLogUnknownTotalAndItems(t *testing.T) {
	clock := &fakeClock{t: time.Unix(0, 0)}
	var out strings.Builder
	l := &Log{W: &out, Every: time.Second, Now: clock.Now}
	task := l.Start("listing objects", progress.Items, -1)
	clock.advance(2 * time.Second)
	task.Add(12500)
	if got, want := out.String(), "listing objects: 12,500, 6,250/s, 2s\n"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

// A name with a line break and a workflow command stays one harmless line.
func TestLogEscapesNames(t *testing.T) {
	clock := &fakeClock{t: time.Unix(0, 0)}
	var out strings.Builder
	l := &Log{W: &out, Every: time.Second, Now: clock.Now, Prefix: "mlgate: "}
	task := l.Start("pulling x\n::error::owned\x1b[2J", progress.Bytes, 10)
	clock.advance(time.Second)
	task.Add(1)
	for _, line := range strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "::") {
			t.Errorf("a workflow command reached the log: %q", out.String())
		}
	}
	if strings.Contains(out.String(), "\x1b") {
		t.Errorf("an escape code reached the log: %q", out.String())
	}
}
