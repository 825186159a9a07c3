package display

import (
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/mlgate/mlgate/pkg/actions"
	"github.com/mlgate/mlgate/pkg/progress"
)

// Terminal draws a progress bar (github.com/schollz/progressbar) for each
// task on a terminal, cleared when the task ends so the output that follows
// starts on a clean line.
type Terminal struct{ W io.Writer }

// Start implements Reporter.
func (t Terminal) Start(name string, unit progress.Unit, total int64) progress.Task {
	opts := []progressbar.Option{
		progressbar.OptionSetWriter(t.W),
		progressbar.OptionSetDescription(actions.SafeLog(name)), // no escape codes from a file name
		progressbar.OptionThrottle(100 * time.Millisecond),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSetPredictTime(total > 0),
		progressbar.OptionSetElapsedTime(true),
		progressbar.OptionShowCount(),
		progressbar.OptionFullWidth(),
		progressbar.OptionUseANSICodes(true),
		progressbar.OptionSetRenderBlankState(true),
	}
	if unit == progress.Bytes {
		opts = append(opts, progressbar.OptionShowBytes(true), progressbar.OptionUseIECUnits(true))
	}
	if total < 0 {
		total = -1 // a spinner
	}
	return barTask{progressbar.NewOptions64(total, opts...)}
}

type barTask struct{ b *progressbar.ProgressBar }

func (t barTask) Add(n int64) { _ = t.b.Add64(n) }
func (t barTask) Done() {
	if t.b.GetMax64() < 0 {
		_ = t.b.Exit()
		return
	}
	_ = t.b.Finish()
}

// For chooses how to report on f (stderr): a bar when f is a terminal
// outside GitHub Actions and TERM is not "dumb", else plain log lines, so a
// log never receives escape codes.
func For(f *os.File, getenv func(string) string) progress.Reporter {
	if f == nil {
		return nil
	}
	if f != nil && term.IsTerminal(int(f.Fd())) && getenv("GITHUB_ACTIONS") != "true" && getenv("TERM") != "dumb" {
		return Terminal{W: f}
	}
	return &Log{W: f, Prefix: "mlgate: "}
}
