package report

import (
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/mattn/go-runewidth"
	"golang.org/x/term"
)

// TextOptions shape terminal output.
type TextOptions struct {
	// Width is the terminal's width in columns; tables wrap their cells to
	// fit it. 0 means 100; below 0, nothing wraps (a log or a pipe, where a
	// message cut over lines can no longer be searched for).
	Width int
	// Color writes ANSI colours: only for a terminal, never for a file or a log.
	Color bool
}

// TerminalOptions chooses the options for output written to f: the
// terminal's width when f is a terminal, else COLUMNS, else no wrapping;
// colour only on a terminal and only when NO_COLOR is unset or empty.
func TerminalOptions(f *os.File, getenv func(string) string) TextOptions {
	opts := TextOptions{Width: -1}
	tty := f != nil && term.IsTerminal(int(f.Fd()))
	width := 0
	if tty {
		width, _, _ = term.GetSize(int(f.Fd()))
	}
	if c, err := strconv.Atoi(strings.TrimSpace(getenv("COLUMNS"))); width <= 0 && err == nil && c > 0 {
		width = c
	}
	if width > 0 {
		opts.Width = width
	}
	opts.Color = tty && getenv("NO_COLOR") == ""
	return opts
}

func (o TextOptions) width() int {
	if o.Width < 0 {
		return math.MaxInt32
	}
	if o.Width == 0 {
		return 100
	}
	return max(o.Width, 20)
}

// textOut writes one terminal rendering with its options.
type textOut struct {
	*strings.Builder
	opts TextOptions
}

const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiRed    = "\x1b[31m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
)

// paint wraps s in an ANSI style when colour is on; s is already Plain.
func (w *textOut) paint(style, s string) string {
	if !w.opts.Color || style == "" || s == "" {
		return s
	}
	return style + s + ansiReset
}

// statusStyle colours a cell that starts with a status or verdict word.
func statusStyle(cell string) string {
	word, _, _ := strings.Cut(cell, " ")
	switch word {
	case "FAIL", "ERROR", "drifted", "BREAKING":
		return ansiRed
	case "WARN":
		return ansiYellow
	case "PASS", "stable":
		return ansiGreen
	}
	return ""
}

// table writes rows as columns two spaces apart, fitted to the width: the
// widest columns are narrowed first and their cells wrapped at spaces (a
// word longer than its column is broken). Cells must already be Plain.
// Columns headed "Worse" and "Better" hold the metric bars and are coloured
// red and green; cells starting with a status word are coloured by it.
func (w *textOut) table(header []string, rows [][]string, align ...alignment) {
	n := len(header)
	// Columns are narrowed widest first, down to their longest word; then,
	// if the table still does not fit, down to maxBrokenWord columns, long
	// words broken rather than the table overflowing. The bars are never
	// narrowed: a wrapped bar would misread.
	const maxBrokenWord = 8
	natural := make([]int, n)
	longest := make([]int, n)
	for i, h := range header {
		// A header wraps to its cells' width, down to its longest word.
		for _, word := range strings.Fields(h) {
			longest[i] = max(longest[i], runewidth.StringWidth(word))
		}
		natural[i] = longest[i]
	}
	for _, row := range rows {
		for i := 0; i < n && i < len(row); i++ {
			natural[i] = max(natural[i], runewidth.StringWidth(row[i]))
			for _, word := range strings.Fields(row[i]) {
				longest[i] = max(longest[i], runewidth.StringWidth(word))
			}
		}
	}
	widths := append([]int(nil), natural...)
	room := w.opts.width() - 2*(n-1)
	for _, floor := range []func(i int) int{
		func(i int) int { return longest[i] },
		func(i int) int { return min(longest[i], maxBrokenWord) },
	} {
		for sum(widths) > room {
			widest := -1
			for i := range widths {
				if header[i] == "Worse" || header[i] == "Better" || widths[i] <= floor(i) {
					continue
				}
				if widest < 0 || widths[i] > widths[widest] {
					widest = i
				}
			}
			if widest < 0 {
				break // the floors do not fit: the next floor, or the terminal wraps
			}
			widths[widest]--
		}
	}
	line := func(cells []string, style func(col int, cell string) string) {
		wrapped := make([][]string, n)
		height := 1
		for i := 0; i < n; i++ {
			cell := ""
			if i < len(cells) {
				cell = cells[i]
			}
			wrapped[i] = wrap(cell, widths[i])
			height = max(height, len(wrapped[i]))
		}
		for l := 0; l < height; l++ {
			var b strings.Builder
			for i := 0; i < n; i++ {
				part := ""
				if l < len(wrapped[i]) {
					part = wrapped[i][l]
				}
				pad := strings.Repeat(" ", max(0, widths[i]-runewidth.StringWidth(part)))
				if i < len(align) && align[i] == alignRight {
					b.WriteString(pad + w.paint(style(i, cells[i]), part))
				} else if i < n-1 {
					b.WriteString(w.paint(style(i, cells[i]), part) + pad)
				} else {
					b.WriteString(w.paint(style(i, cells[i]), part))
				}
				if i < n-1 {
					b.WriteString("  ")
				}
			}
			w.WriteString(strings.TrimRight(b.String(), " ") + "\n")
		}
	}
	line(header, func(int, string) string { return ansiBold })
	rules := make([]string, n)
	for i := range rules {
		rules[i] = strings.Repeat("─", widths[i])
	}
	line(rules, func(int, string) string { return "" })
	defer w.WriteString("\n")
	for _, row := range rows {
		line(row, func(col int, cell string) string {
			switch header[col] {
			case "Worse":
				return ansiRed
			case "Better":
				return ansiGreen
			}
			return statusStyle(cell)
		})
	}
}

// para writes a paragraph of prose, styled when colour is on, wrapped at
// spaces to the terminal's width (a terminal would cut words). A log (Width
// below 0) keeps each message on one line to search.
func (w *textOut) para(style, s string) {
	for _, line := range wrap(s, w.opts.Width) {
		w.WriteString(w.paint(style, line) + "\n")
	}
}

// field writes "  Name:  value", the value on a line of its own below the
// name when the two do not fit the width together.
func (w *textOut) field(name, value string) {
	head := fmt.Sprintf("  %-18s ", name+":")
	if w.opts.Width < 0 || runewidth.StringWidth(head+value) <= w.opts.width() {
		w.WriteString(head + value + "\n")
		return
	}
	w.WriteString("  " + name + ":\n")
	for _, line := range wrap(value, w.opts.width()-4) {
		w.WriteString("    " + line + "\n")
	}
}

func sum(xs []int) int {
	s := 0
	for _, x := range xs {
		s += x
	}
	return s
}

// wrap breaks s into lines of at most width columns, at spaces where it can;
// width 0 means 100 and below 0 no wrapping, as in TextOptions.
func wrap(s string, width int) []string {
	if width == 0 {
		width = 100
	}
	if width <= 0 || runewidth.StringWidth(s) <= width {
		return []string{s}
	}
	var lines []string
	cur := ""
	for _, word := range strings.Fields(s) {
		for runewidth.StringWidth(word) > width {
			if cur != "" {
				lines = append(lines, cur)
				cur = ""
			}
			head := runewidth.Truncate(word, width, "")
			if head == "" { // a character wider than the column
				head = string([]rune(word)[:1])
			}
			lines = append(lines, head)
			word = word[len(head):]
		}
		switch {
		case word == "":
		case cur == "":
			cur = word
		case runewidth.StringWidth(cur)+1+runewidth.StringWidth(word) <= width:
			cur += " " + word
		default:
			lines = append(lines, cur)
			cur = word
		}
	}
	if cur != "" || len(lines) == 0 {
		lines = append(lines, cur)
	}
	return lines
}
