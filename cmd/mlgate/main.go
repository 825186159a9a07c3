// Command mlgate brings MLOps discipline into CI: it validates data against
// contracts, detects drift, gates model promotion on metrics and policies, signs
// and verifies models, and reports on pull requests.
//
// Each command runs a pkg/steps step; this package keeps the commands and their
// help, the option groups that bind flags into requests (options.go), and the
// one emit path (emit.go).
package main

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/mlgate/mlgate/pkg/actions"
	"github.com/mlgate/mlgate/pkg/evidence"
	"github.com/mlgate/mlgate/pkg/outfile"
	"github.com/mlgate/mlgate/pkg/progress"
	"github.com/mlgate/mlgate/pkg/progress/display"
	"github.com/mlgate/mlgate/pkg/report"
	"github.com/mlgate/mlgate/pkg/steps"
)

func main() {
	os.Exit(run(os.Args[1:], newEnv()))
}

// version is set at release time with -ldflags "-X main.version=v1.2.3".
var version = ""

// Exit codes: 0 pass or warn, 1 a check failed, 2 mlgate could not run.
const (
	exitOK      = 0
	exitFailed  = 1
	exitCantRun = 2
)

// env is what a command may touch of the outside world, so tests can run the
// whole CLI in-process with their own environment and writers.
type env struct {
	stdout  io.Writer
	stderr  io.Writer
	getenv  func(string) string
	now     func() time.Time
	actions *actions.Runtime
	cur     *outfile.Plan // the run's output plan, once declared (see start)
	remote  *steps.Remote // closed when the run ends
}

func newEnv() *env {
	e := &env{stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv, now: time.Now}
	e.actions = actions.New(os.Getenv, stepLog{e})
	return e
}

// stepLog is where workflow commands go: stdout, or stderr once an output of
// the run took stdout, which then carries that output alone.
type stepLog struct{ e *env }

func (l stepLog) Write(p []byte) (int, error) { return l.e.summaryWriter(l.e.cur).Write(p) }

// github is the run's GitHub context, from the environment.
func (e *env) github() *actions.Context { return actions.ContextFrom(e.getenv) }

// run is what every step request carries: the tool and the clock.
func (e *env) run() steps.Run {
	return steps.Run{Tool: evidence.Tool{Name: "mlgate", Version: toolVersion()}, Now: e.now}
}

func toolVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}

// exitError carries an exit code out of a command (a plain error: exit 2);
// without err the summary said it all.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// statusExit is the exit of a run whose result has the status s.
func statusExit(s evidence.Status) error {
	switch {
	case s == evidence.StatusError:
		return &exitError{code: exitCantRun}
	case s.Failed():
		return &exitError{code: exitFailed}
	}
	return nil
}

func newRootCmd(e *env) *cobra.Command {
	root := &cobra.Command{
		Use:           "mlgate",
		Short:         "CI-native gates for machine-learning models: data contracts, drift, promotion, signing, reports",
		Version:       toolVersion(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	// --version prints what the version command prints.
	root.SetVersionTemplate(versionLine() + "\n")
	root.SetOut(e.stdout)
	root.SetErr(e.stderr)
	root.AddCommand(newValidateCmd(e), newContractCmd(e), newProfileCmd(e), newDriftCmd(e), newGateCmd(e), newPolicyCmd(e),
		newSignCmd(e), newVerifyCmd(e), newAttestCmd(e), newPushCmd(e), newPullCmd(e), newReportCmd(e), newVersionCmd(e))
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return fmt.Errorf("%w (see '%s --help')", err, c.CommandPath())
	})
	root.InitDefaultVersionFlag()
	plainBools(root)
	addHelp(root)
	return root
}

// helpFiles hold each command's description and examples, one markdown file
// per command path (help/mlgate-validate-merge.md): prose is edited there,
// and GitHub shows the folder as the CLI reference.
//
//go:embed help/*.md
var helpFiles embed.FS

// addHelp sets the Long and Example of c and its subcommands from their
// help files: the text after the title, then the block under "## Examples".
func addHelp(c *cobra.Command) {
	if b, err := helpFiles.ReadFile("help/" + strings.ReplaceAll(c.CommandPath(), " ", "-") + ".md"); err == nil {
		_, text, _ := strings.Cut(string(b), "\n")
		long, example, _ := strings.Cut(text, "\n## Examples\n")
		example = strings.TrimSpace(example)
		example = strings.TrimSuffix(strings.TrimPrefix(example, "```sh\n"), "\n```")
		c.Long, c.Example = strings.TrimSpace(long), example
	}
	for _, sub := range c.Commands() {
		addHelp(sub)
	}
}

// group is a command that holds others: alone it prints its help, and a
// word that names none of them is an error (exit 2), never help and exit 0,
// which would pass a CI step with a mistyped command.
func group(cmd *cobra.Command, subs ...*cobra.Command) *cobra.Command {
	cmd.Args = cobra.NoArgs
	cmd.RunE = func(c *cobra.Command, _ []string) error { return c.Help() }
	cmd.AddCommand(subs...)
	return cmd
}

// plainBools makes help show boolean flags as "--flag", not pflag's
// "--flag[=true|false]"; "--flag" and "--flag=false" still parse.
func plainBools(c *cobra.Command) {
	c.InitDefaultHelpFlag()
	c.Flags().VisitAll(func(f *pflag.Flag) {
		if f.Value.Type() == "bool" {
			f.Value = plainBool{f.Value}
		}
	})
	for _, sub := range c.Commands() {
		plainBools(sub)
	}
}

// plainBool is a bool flag's value without its IsBoolFlag method.
type plainBool struct{ pflag.Value }

// run executes the CLI and turns every outcome, a panic included, into an exit code.
func run(args []string, e *env) (code int) {
	defer func() {
		if r := recover(); r != nil {
			// A panic message may quote input: it goes through SafeLog too.
			fmt.Fprintf(e.stderr, "mlgate: internal error: %s\nPlease report this at https://github.com/mlgate/mlgate/issues\n", actions.SafeLog(fmt.Sprint(r)))
			code = exitCantRun
		}
		// Every exit path sets the status output, so later steps never read
		// an empty one as "not failed".
		if code == exitCantRun && e.actions.Enabled() && !e.actions.OutputSet("status") {
			if err := e.actions.SetOutput("status", string(evidence.StatusError)); err != nil {
				fmt.Fprintf(e.stderr, "mlgate: warning: %s\n", actions.SafeLog(err.Error()))
			}
		}
	}()
	defer func() { e.remote.Close() }()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if f, ok := e.stderr.(*os.File); ok { // long work reports on the process's stderr, not a test's buffer
		ctx = progress.NewContext(ctx, display.For(f, e.getenv))
	}
	root := newRootCmd(e)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	code = exitCantRun
	var ee *exitError
	if errors.As(err, &ee) {
		code, err = ee.code, ee.err
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "mlgate: %s\n", actions.SafeLog(flagHint(pageLimitHint(err)).Error()))
	}
	return code
}

func newVersionCmd(e *env) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the mlgate version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return report.Result{Text: versionLine(), Markdown: "`" + versionLine() + "`", JSON: map[string]string{
				"version": toolVersion(), "go": runtime.Version(), "os": runtime.GOOS, "arch": runtime.GOARCH}}.Print(e.stdout, format)
		},
	}
	formatFlag(cmd, &format, "text", "result")
	return cmd
}

// versionLine is what version and --version print.
func versionLine() string {
	return fmt.Sprintf("mlgate %s (%s, %s/%s)", toolVersion(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
