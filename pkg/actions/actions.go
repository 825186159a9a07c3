// Package actions is mlgate's GitHub Actions runtime: step outputs, environment,
// annotations, log groups and the job summary, written safely.
//
// It sits over github.com/sethvargo/go-githubactions and fixes what makes that
// package unsafe for untrusted values: file commands are written with a random
// delimiter (a value containing it is refused), a missing GITHUB_* file is not a
// panic (outside Actions everything just prints), and the job summary is kept
// under GitHub's 1 MiB limit.
package actions

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	githubactions "github.com/sethvargo/go-githubactions"
)

// MaxSummaryBytes is GitHub's limit on one step's job summary.
const MaxSummaryBytes = 1 << 20

// Runtime talks to the GitHub Actions runner, or to the terminal outside one.
type Runtime struct {
	getenv  func(string) string
	gha     *githubactions.Action
	enabled bool
	// random feeds the file-command delimiters (crypto/rand in production).
	random io.Reader
	// outputs holds the names of the step outputs set so far.
	outputs map[string]bool
}

// New builds a runtime from an environment (os.Getenv in production) and the
// writer workflow commands go to (the step's stdout).
func New(getenv func(string) string, out io.Writer) *Runtime {
	// go-githubactions panics when a workflow command cannot be written (a
	// closed stdout): a log line is not worth a crash, so write errors are dropped.
	out = quietWriter{out}
	return &Runtime{
		getenv:  getenv,
		gha:     githubactions.New(githubactions.WithGetenv(getenv), githubactions.WithWriter(out)),
		enabled: getenv("GITHUB_ACTIONS") == "true",
		random:  rand.Reader,
	}
}

// quietWriter reports every write as done.
type quietWriter struct{ w io.Writer }

func (q quietWriter) Write(p []byte) (int, error) {
	_, _ = q.w.Write(p)
	return len(p), nil
}

// RunnerFiles are the environment variables naming the runner's own files:
// no output of a step may be one of them.
var RunnerFiles = []string{"GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY", "GITHUB_ENV", "GITHUB_PATH", "GITHUB_EVENT_PATH"}

// Enabled reports whether mlgate runs inside GitHub Actions.
func (r *Runtime) Enabled() bool { return r.enabled }

// Getenv reads the runtime's environment.
func (r *Runtime) Getenv(key string) string { return r.getenv(key) }

// Input reads a composite action input passed through env as INPUT_<NAME>,
// the way the runner names them (upper case, spaces as underscores).
func (r *Runtime) Input(name string) string {
	key := "INPUT_" + strings.ToUpper(strings.ReplaceAll(name, " ", "_"))
	return strings.TrimSpace(r.getenv(key))
}

// SetOutput sets a step output. Outside Actions it does nothing.
func (r *Runtime) SetOutput(name, value string) error {
	err := r.fileCommand("GITHUB_OUTPUT", name, value)
	if err == nil && r.enabled {
		if r.outputs == nil {
			r.outputs = map[string]bool{}
		}
		r.outputs[name] = true
	}
	return err
}

// OutputSet reports whether the step output name was set, so a failing
// command can still set its status on the way out.
func (r *Runtime) OutputSet(name string) bool { return r.outputs[name] }

// SetEnv exports an environment variable to later steps.
func (r *Runtime) SetEnv(name, value string) error {
	return r.fileCommand("GITHUB_ENV", name, value)
}

// fileCommand appends name<<DELIM value DELIM to the file named by env var key.
func (r *Runtime) fileCommand(key, name, value string) error {
	if !r.enabled {
		return nil
	}
	if name == "" || strings.ContainsAny(name, "\r\n=<") {
		return fmt.Errorf("invalid %s name %q", strings.ToLower(strings.TrimPrefix(key, "GITHUB_")), name)
	}
	path := r.getenv(key)
	if path == "" {
		return fmt.Errorf("%s is not set: cannot set %q", key, name)
	}
	delim, err := r.delimiter()
	if err != nil {
		return err
	}
	if strings.Contains(value, delim) {
		return fmt.Errorf("value for %q contains the file-command delimiter; refused", name)
	}
	return appendFile(path, fmt.Sprintf("%s<<%s\n%s\n%s\n", name, delim, value, delim))
}

// delimiter returns a fresh random heredoc delimiter, so that a value cannot
// guess it and end the heredoc early to set other outputs.
func (r *Runtime) delimiter() (string, error) {
	b := make([]byte, 16)
	if _, err := io.ReadFull(r.random, b); err != nil {
		return "", fmt.Errorf("making a file-command delimiter: %w", err)
	}
	return "ghadelimiter_" + hex.EncodeToString(b), nil
}

func appendFile(path, text string) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// ErrSummaryTooLarge is returned when the job summary would pass MaxSummaryBytes.
var ErrSummaryTooLarge = errors.New("job summary would exceed GitHub's 1 MiB limit")

// AddSummary appends markdown to the job summary. When the text would take this
// step past the limit it is cut at a line boundary with a note, and
// ErrSummaryTooLarge is returned so the caller can say so.
func (r *Runtime) AddSummary(markdown string) error {
	if !r.enabled {
		return nil
	}
	path := r.getenv("GITHUB_STEP_SUMMARY")
	if path == "" {
		return errors.New("GITHUB_STEP_SUMMARY is not set: no job summary written")
	}
	existing := 0
	if st, err := os.Stat(path); err == nil {
		existing = int(st.Size())
	}
	room := MaxSummaryBytes - existing
	var tooLarge error
	if len(markdown)+1 > room {
		const note = "\n\n> [!WARNING]\n> The rest of this report was cut: the job summary is limited to 1 MiB.\n"
		cut := room - len(note) - 1
		if cut < 0 {
			return ErrSummaryTooLarge
		}
		if i := strings.LastIndexByte(markdown[:cut], '\n'); i >= 0 {
			cut = i
		}
		markdown = markdown[:cut] + note
		tooLarge = ErrSummaryTooLarge
	}
	if err := appendFile(path, markdown+"\n"); err != nil {
		return err
	}
	return tooLarge
}

// Level is an annotation level.
type Level string

// Annotation levels.
const (
	LevelError   Level = "error"
	LevelWarning Level = "warning"
	LevelNotice  Level = "notice"
)

// Annotation is a message attached to a file and line in the workflow run.
type Annotation struct {
	Level   Level
	Title   string
	Message string
	File    string
	Line    int
	Column  int
}

// Annotate emits an annotation; its message and properties are escaped so that
// untrusted text cannot end the command or start another, and invisible
// characters are marked (the runner's matching would look through them). Outside Actions it does nothing.
func (r *Runtime) Annotate(a Annotation) {
	if !r.enabled {
		return
	}
	fields := githubactions.CommandProperties{}
	if a.File != "" {
		fields["file"] = Visible(a.File)
	}
	if a.Line > 0 {
		fields["line"] = strconv.Itoa(a.Line)
	}
	if a.Column > 0 {
		fields["col"] = strconv.Itoa(a.Column)
	}
	if a.Title != "" {
		fields["title"] = Visible(a.Title)
	}
	gha := r.gha.WithFieldsMap(fields)
	msg := Visible(a.Message)
	switch a.Level {
	case LevelError:
		gha.Errorf("%s", msg)
	case LevelWarning:
		gha.Warningf("%s", msg)
	default:
		gha.Noticef("%s", msg)
	}
}

// Group runs fn inside a collapsible log group.
func (r *Runtime) Group(title string, fn func()) {
	if r.enabled {
		r.gha.Group(Visible(title))
		defer r.gha.EndGroup()
	}
	fn()
}

// Mask hides a secret in all later log output. The runner masks line by
// line, so each line of a multi-line secret is masked.
func (r *Runtime) Mask(secret string) {
	if !r.enabled {
		return
	}
	for _, line := range strings.Split(strings.ReplaceAll(secret, "\r\n", "\n"), "\n") {
		if strings.TrimSpace(line) != "" {
			r.gha.AddMask(line)
		}
	}
}

// IDToken asks the job's ID-token endpoint (ACTIONS_ID_TOKEN_REQUEST_URL and
// _TOKEN, present when the workflow grants `id-token: write`) for an OIDC
// token with the audience, and masks it in the log. It serves as
// pkg/signing's TokenSource.
func (r *Runtime) IDToken(ctx context.Context, audience string) (string, error) {
	tok, err := r.gha.GetIDToken(ctx, audience)
	var missing *githubactions.EnvMissingError
	var failed *githubactions.RequestFailedError
	switch {
	case errors.As(err, &missing):
		return "", errors.New("no GitHub Actions ID token available: give the job `permissions: id-token: write`")
	case errors.As(err, &failed):
		return "", fmt.Errorf("requesting the GitHub Actions ID token: HTTP %d", failed.StatusCode)
	case err != nil:
		return "", fmt.Errorf("requesting the GitHub Actions ID token: %w", err)
	case tok == "":
		return "", errors.New("the GitHub Actions ID-token endpoint returned no token")
	}
	r.Mask(tok)
	return tok, nil
}
