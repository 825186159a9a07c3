package policy

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/loader"
	"github.com/open-policy-agent/opa/v1/topdown"

	"github.com/mlgate/mlgate/policies"
)

// Defaults of Options: generous for real policies, small enough that a policy
// looping on purpose stops the run instead of the machine.
const (
	DefaultTimeout = 10 * time.Second
	DefaultMemory  = 1 << 30
)

// Options is the sandbox policies run in. Policies come from repositories
// and pull requests, so by default they reach no network and each evaluation
// is bounded in time and memory.
type Options struct {
	// AllowNetwork restores http.send and the net.* lookups. opa.runtime
	// (which exposes the environment, and so CI secrets) stays out regardless.
	AllowNetwork bool
	// Timeout bounds each evaluation of a rule (DefaultTimeout when zero).
	Timeout time.Duration
	// Memory bounds the heap an evaluation may add, in bytes (DefaultMemory
	// when zero). OPA has no memory limit of its own: a watchdog polls the
	// heap and cancels the evaluation.
	Memory int64
	// Library also loads mlgate's policy library from the binary (see
	// LibraryPrefix), so a gate needs no copy of it.
	Library bool
}

func (o Options) withDefaults() Options {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Memory <= 0 {
		o.Memory = DefaultMemory
	}
	return o
}

// capabilities are OPA's built-ins minus those that reach outside the
// process: a policy calling one does not compile.
func (o Options) capabilities() *ast.Capabilities {
	caps := ast.CapabilitiesForThisVersion()
	kept := caps.Builtins[:0]
	for _, b := range caps.Builtins {
		if !allowedBuiltin(b, o.AllowNetwork) {
			continue
		}
		kept = append(kept, b)
	}
	caps.Builtins = kept
	return caps
}

// unbounded are the built-ins one call of which runs, allocates or recurses
// without end and never looks at the cancellation the bounds use, measured
// with opa eval --timeout 2s: nested loops of a text/template and every path
// of a 14-node graph ran on past 40s, a shift by 1e10 bits died out of
// memory, by 2^64-1 bits panicked, and a schema whose $ref leads back to
// itself overflowed the stack (a fatal error no recover catches),
// json.marshal_with_options repeated a 1 MB indent on each of 20,000 lines
// and yaml.marshal indented 300,000 values 5,000 levels deep (both out of
// memory), and validating a GraphQL query of 12,000 selections ran past
// 60s. They (every graphql.* built-in) stay out regardless of the network.
var unbounded = map[string]bool{
	"strings.render_template":   true,
	"graph.reachable_paths":     true,
	"bits.lsh":                  true,
	"json.match_schema":         true,
	"json.marshal_with_options": true,
	"yaml.marshal":              true,
}

// maxFormatWidth bounds the widths and precisions of one sprintf call in
// all. Go pads each verb up to a million characters, in one call that never
// looks at the bounds: "%0999999d" 20,000 times in a format built with
// concat asked for 20 GB and died out of memory. Real formats pad a few
// characters; 16 MiB leaves room for a few '*' widths, each counted as the
// most Go takes.
const maxFormatWidth = 16 << 20

// sprintf is OPA's sprintf, refusing a format that pads more than
// maxFormatWidth. OPA's built-ins are registered process-wide; policies are
// the only Rego mlgate runs.
func init() {
	orig := topdown.GetBuiltin(ast.Sprintf.Name)
	topdown.RegisterBuiltinFunc(ast.Sprintf.Name, func(bctx topdown.BuiltinContext, operands []*ast.Term, iter func(*ast.Term) error) error {
		if f, ok := operands[0].Value.(ast.String); ok && formatWidth(string(f)) > maxFormatWidth {
			return fmt.Errorf("sprintf: the format pads more than %d characters", maxFormatWidth)
		}
		return orig(bctx, operands, iter)
	})
}

// formatWidth adds up the widths and precisions of a format's verbs (a '*'
// counts as the most Go takes from an argument), stopping past the bound.
func formatWidth(f string) int {
	total := 0
	for i := 0; i < len(f) && total <= maxFormatWidth; i++ {
		if f[i] != '%' {
			continue
		}
		for i++; i < len(f) && strings.IndexByte("+-# 0123456789.*[]", f[i]) >= 0; i++ {
			switch c := f[i]; {
			case c == '*':
				total += 1e6
			case c >= '0' && c <= '9':
				n := 0
				for ; i < len(f) && f[i] >= '0' && f[i] <= '9' && n <= maxFormatWidth; i++ {
					n = n*10 + int(f[i]-'0')
				}
				total += n
				i--
			}
		}
	}
	return total
}

// allowedBuiltin leaves out opa.runtime and the unbounded built-ins always
// and, without network, http.send and the net.* built-ins that do lookups
// (the CIDR helpers are pure and stay).
func allowedBuiltin(b *ast.Builtin, network bool) bool {
	switch {
	case b.Name == "opa.runtime" || unbounded[b.Name] || strings.HasPrefix(b.Name, "graphql."):
		return false
	case network:
		return true
	case b.Name == "http.send":
		return false
	case strings.HasPrefix(b.Name, "net.") && b.Nondeterministic:
		return false
	}
	return true
}

// reservedRoot is the package root of the shipped policy library;
// settingsRoot the data document its settings are read from.
const (
	reservedRoot = "mlgate"
	settingsRoot = "config"
)

var (
	shippedOnce sync.Once
	shipped     map[string]bool // contents of the library's policy files
)

// shippedFiles indexes the embedded library by content.
func shippedFiles() map[string]bool {
	shippedOnce.Do(func() {
		shipped = map[string]bool{}
		_ = fs.WalkDir(policies.Library, ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			data, err := policies.Library.ReadFile(p)
			if err == nil {
				shipped[string(data)] = true
			}
			return err
		})
	})
	return shipped
}

// checkReserved refuses a module in package mlgate or mlgate.* that is not a
// file of the shipped library, byte for byte: a look-alike could add
// exceptions to (or redefine) the library's rules.
// A module in package config or config.* is refused too: data.config is the
// settings document the library reads, and a rule there would set (or
// override) a setting from a policy file instead of the data files.
func checkReserved(f *loader.RegoFile) error {
	path := f.Parsed.Package.Path
	if len(path) < 2 {
		return nil
	}
	line := 1
	if loc := f.Parsed.Package.Location; loc != nil {
		line = loc.Row
	}
	if ast.Compare(path[1].Value, ast.String(settingsRoot)) == 0 {
		return fmt.Errorf("%s:%d: package %s would define settings (data.config): settings come only from the policy data files, never from a policy",
			f.Name, line, strings.TrimPrefix(path.String(), "data."))
	}
	if ast.Compare(path[1].Value, ast.String(reservedRoot)) != 0 || shippedFiles()[string(f.Raw)] {
		return nil
	}
	return fmt.Errorf("%s:%d: package %s is reserved for mlgate's policy library: only its shipped files load there; put your own policies in another package",
		f.Name, line, strings.TrimPrefix(path.String(), "data."))
}

// Errors a bounded evaluation ends with.
var (
	errTimeout = errors.New("timeout")
	errMemory  = errors.New("memory")
)

// bounded runs eval with the deadline and a heap watchdog: when the heap
// grows by more than the memory bound it cancels the context. The error
// returned says which bound stopped it, or is eval's own.
func (o Options) bounded(ctx context.Context, eval func(context.Context) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	ctx, stop := context.WithTimeoutCause(ctx, o.Timeout, errTimeout)
	defer stop()
	done := make(chan struct{})
	defer close(done)
	go watchHeap(o.Memory, done, func() { cancel(errMemory) })
	err := eval(ctx)
	if err == nil {
		return nil
	}
	switch cause := context.Cause(ctx); cause {
	case errTimeout:
		return fmt.Errorf("stopped after the time limit of %s", o.Timeout)
	case errMemory:
		return fmt.Errorf("stopped at the memory limit of %d MiB", o.Memory>>20)
	}
	return err
}

// heapSample is the runtime metric the watchdog reads: live and not yet
// swept heap objects, cheap to read (no stop-the-world).
const heapSample = "/memory/classes/heap/objects:bytes"

func heapBytes() int64 {
	s := []metrics.Sample{{Name: heapSample}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return int64(s[0].Value.Uint64())
}

// watchHeap calls over once when the heap exceeds its size at the start plus
// limit, polling until done is closed. Garbage counts until it is swept, so a
// heap over the ceiling is collected once before it counts as an overrun.
func watchHeap(limit int64, done <-chan struct{}, over func()) {
	ceiling := heapBytes() + limit
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-done:
			return
		case <-tick.C:
			if heapBytes() <= ceiling {
				continue
			}
			if runtime.GC(); heapBytes() > ceiling {
				over()
				return
			}
		}
	}
}
