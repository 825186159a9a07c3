package actions

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// The runner takes a line for a workflow command when, after leading white
// space, it starts with "::", or when it holds "##[" anywhere (the legacy
// parser); it ends lines at "\n" and at a lone "\r", and it matches with ICU
// collation, which skips zero-width and other ignorable characters. Untrusted
// text therefore passes SafeLog before it reaches a log.

// Invisible reports whether r is shown as a visible mark (see Visible):
// C0/C1 controls but tab and newline, format characters (zero-width, bidi
// and soft hyphen among them), other default-ignorable code points,
// variation selectors, line and paragraph separators, and U+FFFD (invalid
// UTF-8 shows as that mark). The zero-width joiner and the emoji variation
// selectors are kept: emoji need them and they change no letter.
func Invisible(r rune) bool {
	switch r {
	case '\t', '\n', '\u200d', '\ufe0e', '\ufe0f':
		return false
	case utf8.RuneError:
		return true
	}
	return unicode.In(r, unicode.Cc, unicode.Cf, unicode.Zl, unicode.Zp,
		unicode.Other_Default_Ignorable_Code_Point, unicode.Variation_Selector)
}

// transparent are the kept zero-width characters; command matching looks
// through them, as ICU does.
func transparent(r rune) bool { return r == '\u200d' || r == '\ufe0e' || r == '\ufe0f' }

// Ignorable reports whether the runner's command matching may look through r
// (or a terminal act on it): formats that escape text, such as YAML or JSON
// strings, write these as escapes so that no command is spelt in the bytes.
func Ignorable(r rune) bool { return Invisible(r) || transparent(r) }

// Mark is the visible form of an invisible character, e.g. ⟨U+200B⟩.
func Mark(r rune) string { return fmt.Sprintf("⟨U+%04X⟩", r) }

// Visible replaces every Invisible character with its Mark ("\r\n" becomes
// "\n"), so hidden text shows and nothing the runner or a terminal acts on
// survives.
func Visible(s string) string {
	if !strings.ContainsFunc(s, Invisible) && utf8.ValidString(s) {
		return s
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var b strings.Builder
	b.Grow(len(s) + 16)
	for _, r := range s { // invalid bytes come as utf8.RuneError
		if Invisible(r) {
			b.WriteString(Mark(r))
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// SafeLog makes untrusted text safe for the step log: invisible characters
// are marked (a lone "\r" ends no line), a line that would start with "::"
// after white space gets a backslash before it, and "##[" anywhere becomes
// "##\[". The text stays readable and the runner parses no command from it.
func SafeLog(s string) string {
	s = Visible(s)
	if !strings.ContainsAny(s, ":[") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i, line := range strings.Split(s, "\n") {
		if i > 0 {
			b.WriteByte('\n')
		}
		safeLine(&b, line)
	}
	return b.String()
}

// safeLine writes one line with its command prefixes broken.
func safeLine(b *strings.Builder, line string) {
	// Leading "::", looking through white space and kept zero-width characters.
	start := strings.IndexFunc(line, func(r rune) bool { return !unicode.IsSpace(r) && !transparent(r) })
	if start >= 0 && strings.HasPrefix(strings.Map(dropTransparent, line[start:]), "::") {
		b.WriteString(line[:start])
		b.WriteByte('\\')
		line = line[start:]
	}
	hashes := 0
	for _, r := range line {
		switch {
		case r == '#':
			hashes++
		case r == '[' && hashes >= 2:
			b.WriteByte('\\')
			hashes = 0
		case transparent(r):
		default:
			hashes = 0
		}
		b.WriteRune(r)
	}
}

func dropTransparent(r rune) rune {
	if transparent(r) {
		return -1
	}
	return r
}

// SafeJSON rewrites JSON text so that its bytes hold no "##[" and no
// ignorable character the runner's matching could look through, with the
// same JSON value: such characters only occur inside strings, where the
// \uXXXX escape means the same. A JSON line never starts with "::".
func SafeJSON(data []byte) []byte {
	if !bytes.Contains(data, []byte("##[")) && !bytes.ContainsFunc(data, jsonEscapeRune) {
		return data
	}
	var b bytes.Buffer
	b.Grow(len(data) + 16)
	hashes := 0
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteByte(data[i]) // invalid JSON stays as it was
		case r == '[' && hashes >= 2:
			b.WriteString(`\u005b`)
		case jsonEscapeRune(r):
			if r1, r2 := utf16.EncodeRune(r); r1 != utf8.RuneError {
				fmt.Fprintf(&b, `\u%04x\u%04x`, r1, r2)
			} else {
				fmt.Fprintf(&b, `\u%04x`, r)
			}
		default:
			b.WriteRune(r)
		}
		if r == '#' {
			hashes++
		} else {
			hashes = 0
		}
		i += size
	}
	return b.Bytes()
}

// jsonEscapeRune: the invisible characters that may stand raw in JSON text
// (controls below 0x20 are escaped by every encoder, or are JSON white space).
func jsonEscapeRune(r rune) bool {
	return r >= 0x7f && r != utf8.RuneError && Ignorable(r)
}

// SafeOutput makes a file-like output safe for the step log when it goes to
// standard output: JSON keeps its value (SafeJSON), other text passes SafeLog.
func SafeOutput(data []byte) []byte {
	if json.Valid(data) {
		return SafeJSON(data)
	}
	return []byte(SafeLog(string(data)))
}

// SafeOutputWriter passes each output written to w through SafeOutput: an
// output of a run (a file written to "-") is whole in one Write.
type SafeOutputWriter struct{ W io.Writer }

func (s SafeOutputWriter) Write(p []byte) (int, error) {
	if _, err := s.W.Write(SafeOutput(p)); err != nil {
		return 0, err
	}
	return len(p), nil
}

// LogWriter passes what a library prints (OPA's test reporter, Rego print())
// through SafeLog line by line. Call Flush at the end for a last line
// without a newline.
type LogWriter struct {
	w   io.Writer
	buf []byte
}

// NewLogWriter wraps w.
func NewLogWriter(w io.Writer) *LogWriter { return &LogWriter{w: w} }

func (l *LogWriter) Write(p []byte) (int, error) {
	l.buf = append(l.buf, p...)
	if i := bytes.LastIndexByte(l.buf, '\n'); i >= 0 {
		done := l.buf[:i+1]
		if _, err := io.WriteString(l.w, SafeLog(string(done))); err != nil {
			return 0, err
		}
		l.buf = append(l.buf[:0], l.buf[i+1:]...)
	}
	return len(p), nil
}

// Flush writes a pending partial line.
func (l *LogWriter) Flush() error {
	if len(l.buf) == 0 {
		return nil
	}
	_, err := io.WriteString(l.w, SafeLog(string(l.buf)))
	l.buf = l.buf[:0]
	return err
}
