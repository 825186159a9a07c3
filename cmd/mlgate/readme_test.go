package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// commands lists every command, groups included, by path ("mlgate profile merge").
func commands(c *cobra.Command) map[string]*cobra.Command {
	out := map[string]*cobra.Command{}
	if !c.Hidden {
		out[c.CommandPath()] = c
	}
	for _, sub := range c.Commands() {
		if sub.Name() == "help" || sub.Name() == "completion" {
			continue
		}
		for k, v := range commands(sub) {
			out[k] = v
		}
	}
	return out
}

// synopsis is a command's usage line as --help prints it, without the
// "[flags]" cobra adds.
func synopsis(c *cobra.Command) string {
	return strings.TrimSuffix(c.UseLine(), " [flags]")
}

// commandOf finds the command a README line runs: the longest command path
// its leading words name.
func commandOf(cmds map[string]*cobra.Command, line string) (*cobra.Command, string) {
	words := strings.Fields(line)
	for n := len(words); n > 0; n-- {
		if c, ok := cmds[strings.Join(words[:n], " ")]; ok {
			return c, strings.Join(words[:n], " ")
		}
	}
	return nil, ""
}

var flagToken = regexp.MustCompile(`(?:^|[\s\[|(])--([a-z0-9-]+)`)

// usedFlag reports whether c has a visible flag named name (hidden ones are
// old names kept for workflows, not to be taught).
func usedFlag(c *cobra.Command, name string) bool {
	var f *pflag.Flag
	if f = c.Flags().Lookup(name); f == nil {
		f = c.InheritedFlags().Lookup(name)
	}
	return f != nil && !f.Hidden
}

// The README's synopsis block is what --help prints, command by command,
// and every mlgate command line in the README's examples runs a command
// that exists with flags it has.
func TestReadmeMatchesHelp(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	root := newRootCmd(&env{stdout: os.Stdout, stderr: os.Stderr, getenv: func(string) string { return "" }})
	root.InitDefaultHelpCmd()
	cmds := commands(root)
	readme := string(data)

	const begin, end = "<!-- synopsis: begin -->", "<!-- synopsis: end -->"
	i, j := strings.Index(readme, begin), strings.Index(readme, end)
	if i < 0 || j < i {
		t.Errorf("README.md has no %s ... %s block", begin, end)
		i, j = 0, 0
	}
	var inReadme []string
	for _, line := range strings.Split(readme[i+len(begin)*min(j, 1):j], "\n") {
		if strings.HasPrefix(line, "mlgate") {
			inReadme = append(inReadme, strings.TrimSpace(line))
		}
	}
	var inHelp []string
	for _, c := range cmds {
		// A group (mlgate contract) only lists its commands.
		group := c.HasAvailableSubCommands() && len(strings.Fields(c.Use)) == 1
		if c != root && c.Runnable() && !group {
			inHelp = append(inHelp, synopsis(c))
		}
	}
	sort.Strings(inReadme)
	sort.Strings(inHelp)
	if strings.Join(inReadme, "\n") != strings.Join(inHelp, "\n") {
		t.Errorf("README synopsis block:\n%s\n\nwant, as --help prints it:\n%s", strings.Join(inReadme, "\n"), strings.Join(inHelp, "\n"))
	}

	// Every mlgate command in the README's code (blocks and spans),
	// continuation lines joined.
	text := strings.ReplaceAll(readme, "\\\n", " ")
	for n, line := range strings.Split(text, "\n") {
		for _, m := range regexp.MustCompile("(?:^|`|\\$ |^\\s+)(mlgate [a-z][^`#]*)").FindAllStringSubmatch(line, -1) {
			run := m[1]
			c, path := commandOf(cmds, run)
			if c == nil {
				if strings.Contains(line, "```") || strings.HasPrefix(strings.TrimSpace(line), "mlgate ") || strings.Contains(line, "`mlgate ") {
					if w := strings.Fields(run); len(w) > 1 && regexp.MustCompile(`^[a-z]+$`).MatchString(w[1]) && w[1] != "brings" && w[1] != "itself" && w[1] != "judges" {
						t.Errorf("README.md:%d: %q runs no mlgate command", n+1, run)
					}
				}
				continue
			}
			for _, f := range flagToken.FindAllStringSubmatch(strings.TrimPrefix(run, path), -1) {
				if !usedFlag(c, f[1]) {
					t.Errorf("README.md:%d: %s has no flag --%s", n+1, path, f[1])
				}
			}
		}
	}
}

// Every command has a help file (help/, see addHelp) and every file a
// command; each example in them runs a command that exists with flags it
// has, and every command says what it does beyond its one-line summary.
func TestHelpFiles(t *testing.T) {
	root := newRootCmd(&env{stdout: os.Stdout, stderr: os.Stderr, getenv: func(string) string { return "" }})
	cmds := commands(root)
	files, err := filepath.Glob(filepath.Join("help", "*.md"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no help files: %v", err)
	}
	for _, f := range files {
		path := strings.ReplaceAll(strings.TrimSuffix(filepath.Base(f), ".md"), "-", " ")
		if cmds[path] == nil {
			t.Errorf("%s: no command %q", f, path)
		}
	}
	for path, c := range cmds {
		if c.Long == "" && c.Example == "" {
			t.Errorf("%s: no help file help/%s.md", path, strings.ReplaceAll(path, " ", "-"))
		}
		if c.Example == "" {
			continue
		}
		for _, line := range strings.Split(strings.ReplaceAll(c.Example, "\\\n", " "), "\n") {
			line = strings.TrimSpace(line)
			if !strings.HasPrefix(line, "mlgate ") && !strings.Contains(line, " mlgate ") {
				continue
			}
			run := line[strings.Index(line, "mlgate "):]
			ran, p := commandOf(cmds, run)
			if ran == nil {
				t.Errorf("%s: example %q runs no mlgate command", path, line)
				continue
			}
			for _, fl := range flagToken.FindAllStringSubmatch(strings.TrimPrefix(run, p), -1) {
				if !usedFlag(ran, fl[1]) && fl[1] != "help" && fl[1] != "version" {
					t.Errorf("%s: example %q: %s has no flag --%s", path, line, p, fl[1])
				}
			}
		}
	}
}

// TestLibraryMessagesNameNoFlags: pkg/ is called as a library too, so its
// messages name concepts ("recording each file's digest"), not this CLI's
// flags (cmd adds the flag in a hint where one helps). It reads every string
// literal of pkg/'s non-test Go files for "--name" of a flag mlgate has.
func TestLibraryMessagesNameNoFlags(t *testing.T) {
	root := newRootCmd(&env{stdout: os.Stdout, stderr: os.Stderr, getenv: func(string) string { return "" }})
	flags := map[string]bool{}
	for _, c := range commands(root) {
		c.Flags().VisitAll(func(f *pflag.Flag) { flags[f.Name] = true })
		c.PersistentFlags().VisitAll(func(f *pflag.Flag) { flags[f.Name] = true })
	}
	flagRE := regexp.MustCompile(`(?:^|[^-\w])--([a-z][a-z0-9-]*)`)
	fset := token.NewFileSet()
	err := filepath.WalkDir(filepath.Join("..", "..", "pkg"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			for _, m := range flagRE.FindAllStringSubmatch(lit.Value, -1) {
				if flags[m[1]] {
					t.Errorf("%s: message names the flag --%s: %s", fset.Position(lit.Pos()), m[1], lit.Value)
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(flags) < 50 {
		t.Fatalf("only %d flags found", len(flags))
	}
}
