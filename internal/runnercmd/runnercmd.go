// Package runnercmd emulates how the GitHub Actions runner finds workflow
// commands in a step's output, so tests can check that no line mlgate prints
// is taken for a command it did not mean.
//
// It follows actions/runner (src/Runner.Common/ActionCommand.cs and
// src/Runner.Worker/ActionCommandManager.cs):
//
//   - output is read with .NET's StreamReader.ReadLine: "\r\n", "\n" and a lone
//     "\r" all end a line;
//   - TryParseV2 trims leading white space (char.IsWhiteSpace, the same set
//     as unicode.IsSpace) and wants "::" next, then a second "::" ending the
//     command and its properties ("name k=v,k=v");
//   - TryParse, the legacy parser tried when V2 fails, finds "##[" anywhere
//     in the line and the first "]" after it ("name k=v;k=v");
//   - command names compare case-insensitively, and "stop-commands" makes
//     any string a command (the resume token), so the emulator counts every
//     non-empty name, not only the registered ones.
//
// The runner compares with string.StartsWith / IndexOf(string), which are
// culture-sensitive: with ICU, default-ignorable characters (zero-width
// space, soft hyphen, most controls) are skipped when matching. The emulator
// is conservative about that: a line is also parsed with those characters
// removed, and either parse counts.
package runnercmd

import (
	"strings"
	"unicode"
)

// Command is one workflow command the runner would act on.
type Command struct {
	Name   string
	Props  map[string]string
	Data   string
	Legacy bool // found by the "##[" parser
}

// Lines splits output the way StreamReader.ReadLine does.
func Lines(out string) []string {
	out = strings.ReplaceAll(out, "\r\n", "\n")
	out = strings.ReplaceAll(out, "\r", "\n")
	out = strings.TrimSuffix(out, "\n")
	if out == "" {
		return nil
	}
	return strings.Split(out, "\n")
}

// Parse reports the command one line would be taken for, if any.
func Parse(line string) (Command, bool) {
	for _, l := range []string{line, StripIgnorable(line)} {
		if c, ok := parseV2(l); ok {
			return c, true
		}
		if c, ok := parseV1(l); ok {
			return c, true
		}
	}
	return Command{}, false
}

// Commands returns every command found in output, in order.
func Commands(out string) []Command {
	var cmds []Command
	for _, l := range Lines(out) {
		if c, ok := Parse(l); ok {
			cmds = append(cmds, c)
		}
	}
	return cmds
}

func parseV2(m string) (Command, bool) {
	m = strings.TrimLeftFunc(m, unicode.IsSpace)
	if !strings.HasPrefix(m, "::") {
		return Command{}, false
	}
	end := strings.Index(m[2:], "::")
	if end < 0 {
		return Command{}, false
	}
	info := m[2 : 2+end]
	c := Command{Data: m[2+end+2:]}
	name, props, hasProps := strings.Cut(info, " ")
	if name == "" {
		return Command{}, false
	}
	c.Name = strings.ToLower(name)
	if hasProps {
		c.Props = parseProps(strings.TrimFunc(props, unicode.IsSpace), ",")
	}
	return c, true
}

func parseV1(m string) (Command, bool) {
	p := strings.Index(m, "##[")
	if p < 0 {
		return Command{}, false
	}
	rb := strings.IndexByte(m[p:], ']')
	if rb < 0 {
		return Command{}, false
	}
	info := m[p+3 : p+rb]
	c := Command{Data: m[p+rb+1:], Legacy: true}
	name, props, hasProps := strings.Cut(info, " ")
	if name == "" {
		return Command{}, false
	}
	c.Name = strings.ToLower(name)
	if hasProps {
		c.Props = parseProps(props, ";")
	}
	return c, true
}

func parseProps(s, sep string) map[string]string {
	props := map[string]string{}
	for _, kv := range strings.Split(s, sep) {
		if k, v, ok := strings.Cut(kv, "="); ok && k != "" && v != "" {
			props[k] = v
		}
	}
	return props
}

// StripIgnorable removes what ICU's default collation ignores when the
// runner matches "::" and "##[": controls other than tab, format characters
// (Cf: zero-width and bidi controls, soft hyphen), other default-ignorable
// code points and variation selectors.
func StripIgnorable(s string) string {
	return strings.Map(func(r rune) rune {
		if Ignorable(r) {
			return -1
		}
		return r
	}, s)
}

// Ignorable reports whether ICU's default collation may skip r.
func Ignorable(r rune) bool {
	return (unicode.Is(unicode.Cc, r) && r != '\t') ||
		unicode.In(r, unicode.Cf, unicode.Other_Default_Ignorable_Code_Point, unicode.Variation_Selector)
}
