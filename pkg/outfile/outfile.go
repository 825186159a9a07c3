// Package outfile is the one way mlgate writes files. A command declares its
// inputs and its outputs in a Plan before it does any work; Check refuses an
// output that would replace one of the inputs (or lie inside an input
// folder), another output of the same run, or a file of the CI runner. Only
// then are outputs written:
//
//   - "-" is standard output;
//   - a regular file is replaced atomically (a temporary file in the same
//     folder renamed over it), keeping its permission bits;
//   - an existing device or FIFO is written through (opened for writing,
//     never replaced): --out /dev/null discards, a FIFO feeds its reader;
//   - a symlink at the output path is refused: mlgate does not guess whether
//     the link or its target is meant, so give the target's path;
//   - protected outputs (contracts, profiles, bundles) replace an existing
//     file only when the user asked to overwrite it.
package outfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Stdout as an output path means standard output.
const Stdout = "-"

// ErrExists refuses to replace a protected output the user did not ask to
// overwrite.
var ErrExists = errors.New("already exists")

// Plan is what one run reads and writes.
type Plan struct {
	// Name, when set, renames what inputs and outputs are called in
	// messages (a CLI names each by the flag that gives it).
	Name     func(what string) string
	stdout   io.Writer
	inputs   []named
	reserved []named
	outputs  []*Output
	checked  bool
}

type named struct{ what, path string }

// Output is one file a run writes. Set its fields before Plan.Check.
type Output struct {
	// What names the output in messages, e.g. "--out" or "the bundle".
	What string
	Path string
	// Protected outputs replace an existing file only when Overwrite is set.
	Protected bool
	Overwrite bool
	// Replaces, when set, must accept an existing file before it is replaced
	// (a bundle replaces only a bundle).
	Replaces func(path string) error
	// Within is an input folder this output may lie inside (a bundle in the
	// model folder it signs, which hashing leaves out).
	Within string

	plan *Plan
	// existed records whether the file was there at Check, so that a
	// protected output created meanwhile by someone else is not replaced.
	existed bool
}

// NewPlan starts a plan whose "-" outputs go to stdout.
func NewPlan(stdout io.Writer) *Plan { return &Plan{stdout: stdout} }

// Input declares files or folders the run reads ("" is skipped).
func (p *Plan) Input(what string, paths ...string) {
	what = p.name(what)
	for _, path := range paths {
		if path != "" {
			p.inputs = append(p.inputs, named{what, path})
		}
	}
}

func (p *Plan) name(what string) string {
	if p.Name == nil {
		return what
	}
	return p.Name(what)
}

// Reserve declares a file no output may be, e.g. the CI runner's own files.
func (p *Plan) Reserve(what, path string) {
	if path != "" {
		p.reserved = append(p.reserved, named{what, path})
	}
}

// Output declares a file the run writes; an empty path writes nothing.
func (p *Plan) Output(what, path string) *Output {
	o := &Output{What: p.name(what), Path: path, plan: p}
	p.outputs = append(p.outputs, o)
	return o
}

// Set reports whether the output will be written.
func (o *Output) Set() bool { return o != nil && o.Path != "" }

// IsStdout reports whether the output goes to standard output.
func (o *Output) IsStdout() bool { return o != nil && o.Path == Stdout }

// UsesStdout reports whether an output of the plan goes to standard output,
// so that the command prints its human summary elsewhere.
func (p *Plan) UsesStdout() bool {
	for _, o := range p.outputs {
		if o.IsStdout() {
			return true
		}
	}
	return false
}

// Check refuses the plan when an output would replace something it must not.
// It must pass before any output is written.
func (p *Plan) Check() error {
	var stdoutBy string
	for i, o := range p.outputs {
		if o.Path == "" {
			continue
		}
		if o.Path == Stdout {
			if stdoutBy != "" {
				return fmt.Errorf("%s and %s both write to standard output (-): give one of them a file", stdoutBy, o.What)
			}
			stdoutBy = o.What
			continue
		}
		for _, in := range p.inputs {
			if err := clash(o, in); err != nil {
				return err
			}
		}
		for _, other := range p.outputs[:i] {
			if other.Path != "" && other.Path != Stdout && same(o.Path, other.Path) {
				return fmt.Errorf("%s %s and %s %s are the same file: each output needs its own", other.What, other.Path, o.What, o.Path)
			}
		}
		for _, r := range p.reserved {
			if same(o.Path, r.path) {
				return fmt.Errorf("%s %s is the runner's %s file %s: refusing to write over it", o.What, o.Path, r.what, r.path)
			}
		}
	}
	// Only then what is at each path: a clash is the clearer message.
	for _, o := range p.outputs {
		if o.Path != "" && o.Path != Stdout {
			if err := o.checkTarget(); err != nil {
				return err
			}
		}
	}
	p.checked = true
	return nil
}

// clash refuses an output that is the input, or lies inside an input folder.
func clash(o *Output, in named) error {
	if same(o.Path, in.path) {
		return fmt.Errorf("%s %s is the same file as the input %s %s: refusing to overwrite an input", o.What, o.Path, in.what, in.path)
	}
	st, err := os.Stat(in.path)
	if err != nil || !st.IsDir() || (o.Within != "" && same(o.Within, in.path)) {
		return nil
	}
	if inside(o.Path, in.path) {
		return fmt.Errorf("%s %s lies inside the input folder %s %s: refusing to write into an input", o.What, o.Path, in.what, in.path)
	}
	return nil
}

// checkTarget looks at what is at the output path now.
func (o *Output) checkTarget() error {
	st, err := os.Lstat(o.Path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("%s %s: %w", o.What, o.Path, err)
	case st.Mode()&fs.ModeSymlink != 0:
		return fmt.Errorf("%s %s is a symlink: mlgate does not write through symlinks, give the path of its target", o.What, o.Path)
	case st.IsDir():
		return fmt.Errorf("%s %s is a folder, want a file", o.What, o.Path)
	case !st.Mode().IsRegular():
		return nil // a device or FIFO: written through, never replaced
	}
	o.existed = true
	if o.Protected && !o.Overwrite {
		return fmt.Errorf("%s %s %w", o.What, o.Path, ErrExists)
	}
	if o.Replaces != nil {
		if err := o.Replaces(o.Path); err != nil {
			return fmt.Errorf("%s %s exists and will not be replaced: %w", o.What, o.Path, err)
		}
	}
	return nil
}

// Write writes data to the output as the package comment describes.
func (o *Output) Write(data []byte) error {
	if o.plan == nil || !o.plan.checked {
		return fmt.Errorf("internal error: %s written before its plan was checked", o.What)
	}
	if o.Path == "" {
		return fmt.Errorf("internal error: %s has no path", o.What)
	}
	if o.Path == Stdout {
		_, err := o.plan.stdout.Write(data)
		return err
	}
	st, err := os.Lstat(o.Path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if o.Protected {
			return o.create(data)
		}
		return o.replace(data, 0o644)
	case err != nil:
		return fmt.Errorf("writing %s %s: %w", o.What, o.Path, err)
	case st.Mode()&fs.ModeSymlink != 0 || st.IsDir():
		return o.checkTarget() // it changed since Check; say why it is refused
	case !st.Mode().IsRegular():
		return o.writeThrough(data, st)
	case o.Protected && !o.existed:
		return fmt.Errorf("%s %s appeared while mlgate ran: not replacing it", o.What, o.Path)
	}
	return o.replace(data, st.Mode().Perm())
}

// writeThrough writes into a device or FIFO, after making sure the file
// opened is the one looked at (not swapped for a regular file or a link).
func (o *Output) writeThrough(data []byte, want fs.FileInfo) error {
	f, err := os.OpenFile(o.Path, os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("writing %s %s: %w", o.What, o.Path, err)
	}
	got, err := f.Stat()
	if err == nil && (!os.SameFile(want, got) || got.Mode().IsRegular()) {
		err = errors.New("the file changed while it was opened")
	}
	if err == nil {
		_, err = f.Write(data)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("writing %s %s: %w", o.What, o.Path, err)
	}
	return nil
}

// replace renames a complete temporary file over the path, so a reader never
// sees half a file and a failed write leaves the old one as it was.
func (o *Output) replace(data []byte, perm fs.FileMode) error {
	tmp, err := o.temp(data, perm)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	if err := os.Rename(tmp, o.Path); err != nil {
		return fmt.Errorf("writing %s %s: %w", o.What, o.Path, bare(err))
	}
	return nil
}

// create puts a complete file at a path that must still be free (a hard
// link fails when the name exists), for protected outputs.
func (o *Output) create(data []byte) error {
	tmp, err := o.temp(data, 0o644)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	if err := os.Link(tmp, o.Path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%s %s appeared while mlgate ran: not replacing it", o.What, o.Path)
		}
		// Some file systems have no hard links: fall back to a rename.
		if err := os.Rename(tmp, o.Path); err != nil {
			return fmt.Errorf("writing %s %s: %w", o.What, o.Path, bare(err))
		}
	}
	return nil
}

// temp writes data to a temporary file beside the output (creating a missing
// folder, e.g. evidence/ in a fresh checkout) and returns its name.
func (o *Output) temp(data []byte, perm fs.FileMode) (string, error) {
	dir := filepath.Dir(o.Path)
	fail := func(err error) (string, error) { return "", fmt.Errorf("writing %s %s: %w", o.What, o.Path, bare(err)) }
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fail(err)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(o.Path)+".*.tmp")
	if err != nil {
		return fail(err)
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), perm)
	}
	if err != nil {
		os.Remove(f.Name())
		return fail(err)
	}
	return f.Name(), nil
}

// bare drops the file name from an error about the temporary file (a
// *PathError or *LinkError): messages name the output, never ".out.123.tmp".
func bare(err error) error {
	var pe *fs.PathError
	var le *os.LinkError
	switch {
	case errors.As(err, &pe):
		return pe.Err
	case errors.As(err, &le):
		return le.Err
	}
	return err
}

// SameFile reports whether two paths name one file: by cleaned absolute path,
// by path with symlinks resolved (also for files that do not exist yet), or
// by identity (hard links, bind mounts).
func SameFile(a, b string) bool { return same(a, b) }

func same(a, b string) bool {
	if abs(a) == abs(b) || resolve(a) == resolve(b) {
		return true
	}
	sa, err1 := os.Stat(a)
	sb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(sa, sb)
}

// inside reports whether path lies in the folder dir, literally or once
// symlinks are resolved.
func inside(path, dir string) bool {
	for _, pair := range [][2]string{{abs(path), abs(dir)}, {resolve(path), resolve(dir)}} {
		rel, err := filepath.Rel(pair[1], pair[0])
		if err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return true
		}
	}
	return false
}

func abs(p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		return filepath.Clean(p)
	}
	return a
}

// resolve is the absolute path with symlinks resolved in its longest
// existing prefix, so that a file about to be created resolves too.
func resolve(p string) string {
	dir, rest := abs(p), ""
	for {
		if r, err := filepath.EvalSymlinks(dir); err == nil {
			return filepath.Join(r, rest)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return abs(p)
		}
		rest = filepath.Join(filepath.Base(dir), rest)
		dir = parent
	}
}
