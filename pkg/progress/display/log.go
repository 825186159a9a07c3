// Package display shows progress.Reporter tasks to a person: a bar on a
// terminal (Terminal, github.com/schollz/progressbar) or plain lines in a log
// (Log). Only cmd/mlgate imports it; names pass actions.SafeLog on the way.
package display

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/mlgate/mlgate/pkg/actions"
	"github.com/mlgate/mlgate/pkg/numfmt"
	"github.com/mlgate/mlgate/pkg/progress"
)

// DefaultEvery is how often a Log writes a line for a running task.
const DefaultEvery = 5 * time.Second

// Log reports progress as plain lines, for logs and pipes (GitHub Actions,
// CI, a redirected stderr): no escape codes, no carriage returns. A task
// that ends within Every prints nothing; a longer one prints a line every
// Every and a last line when it ends.
type Log struct {
	W io.Writer
	// Every is the time between lines; DefaultEvery when 0.
	Every time.Duration
	// Now is the clock (time.Now when nil); tests pass a fake one.
	Now func() time.Time
	// Prefix starts every line ("mlgate: ").
	Prefix string

	mu sync.Mutex // one line at a time on W
}

func (l *Log) now() time.Time {
	if l.Now == nil {
		return time.Now()
	}
	return l.Now()
}

// Start implements Reporter.
func (l *Log) Start(name string, unit progress.Unit, total int64) progress.Task {
	every := l.Every
	if every <= 0 {
		every = DefaultEvery
	}
	t := l.now()
	return &logTask{log: l, name: name, unit: unit, total: total, every: every, start: t, last: t}
}

type logTask struct {
	log   *Log
	name  string
	unit  progress.Unit
	total int64
	every time.Duration

	mu      sync.Mutex
	done    int64
	start   time.Time
	last    time.Time
	printed bool
	ended   bool
}

// Add checks the clock on each call rather than running a ticker, so a task
// costs no goroutine and a test drives it with a fake clock.
func (t *logTask) Add(n int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.done += n
	if now := t.log.now(); !t.ended && now.Sub(t.last) >= t.every {
		t.last = now
		t.printed = true
		t.write(now, false)
	}
}

func (t *logTask) Done() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.ended {
		return
	}
	t.ended = true
	if t.printed {
		t.write(t.log.now(), true)
	}
}

// write prints one line: "hashing model: 1.5 GiB of 4 GiB (37.5%), 120 MiB/s, 12s".
func (t *logTask) write(now time.Time, final bool) {
	var b strings.Builder
	b.WriteString(t.log.Prefix)
	b.WriteString(t.name)
	if final {
		b.WriteString(": done, ")
	} else {
		b.WriteString(": ")
	}
	b.WriteString(t.amount(t.done))
	if t.total >= 0 && !final {
		b.WriteString(" of " + t.amount(t.total))
		if t.total > 0 {
			b.WriteString(" (" + numfmt.Percent(float64(t.done)/float64(t.total)) + ")")
		}
	}
	elapsed := now.Sub(t.start)
	if secs := elapsed.Seconds(); secs > 0 {
		rate := float64(t.done) / secs
		if t.unit == progress.Bytes {
			b.WriteString(", " + numfmt.Bytes(int64(rate)) + "/s")
		} else {
			b.WriteString(", " + numfmt.Count(int64(rate+0.5)) + "/s")
		}
	}
	b.WriteString(", " + numfmt.Duration(elapsed) + "\n")
	t.log.mu.Lock()
	defer t.log.mu.Unlock()
	// Task names hold file and layer names: one escaping path for the log.
	fmt.Fprint(t.log.W, actions.SafeLog(b.String()))
}

func (t *logTask) amount(n int64) string {
	if t.unit == progress.Bytes {
		return numfmt.Bytes(n)
	}
	return numfmt.Count(n)
}
