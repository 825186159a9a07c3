package actions

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/mlgate/mlgate/internal/runnercmd"
)

// attacks are lines that the runner takes for commands when printed raw
// (each is checked against the emulator first).
var attacks = []string{
	"::error::x",
	"  ::add-mask::y",
	"\u2003::warning::from an evidence summary",
	"\u00a0\u3000::set-output name=a::b",
	"column ##[set-output name=status;]pass",
	"contract ##[stop-commands]zzz",
	"#\u200b#[set-output name=x;]y",
	"\u200b::warning::zero width first",
	":\u200d:warning::zwj inside",
	"##\u200d[error]zwj before bracket",
	"ok\r::error::after a carriage return",
	"ok\r##[error]x",
	"::WARNING::upper case",
	"\u00ad::error::soft hyphen",
	"\u0085::error::NEL",
	"::error::a\u2028::error::b",
}

func TestAttacksAreCommandsUnescaped(t *testing.T) {
	for _, a := range attacks {
		if len(runnercmd.Commands(a)) == 0 {
			t.Errorf("%q: the emulator finds no command; the attack list is wrong", a)
		}
	}
}

func TestSafeLogNeutralisesAttacks(t *testing.T) {
	for _, a := range attacks {
		got := SafeLog(a)
		if cmds := runnercmd.Commands(got); len(cmds) > 0 {
			t.Errorf("SafeLog(%q) = %q still holds %+v", a, got, cmds)
		}
	}
}

func TestSafeLogKeepsTextReadable(t *testing.T) {
	for in, want := range map[string]string{
		"ok\nnot::a command":        "ok\nnot::a command",
		"::error::x":                `\::error::x`,
		"  ::x::y":                  `  \::x::y`,
		"a ##[set-output name=s;]b": `a ##\[set-output name=s;]b`,
		"acc\u200buracy":            "acc⟨U+200B⟩uracy",
		"a\r\nb\rc":                 "a\nb⟨U+000D⟩c",
		"\x1b[31mred":               "⟨U+001B⟩[31mred",
		"rtl \u202eevil":            "rtl ⟨U+202E⟩evil",
		"family 👨\u200d👩 ⚠\ufe0f":   "family 👨\u200d👩 ⚠\ufe0f",
		"bad \xff byte":             "bad ⟨U+FFFD⟩ byte",
		"[x] ## [y] #[z]":           "[x] ## [y] #[z]",
	} {
		if got := SafeLog(in); got != want {
			t.Errorf("SafeLog(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLogWriter(t *testing.T) {
	var out bytes.Buffer
	w := NewLogWriter(&out)
	for _, chunk := range []string{"PASS: 1/1\n##", "[set-output name=a;]b\n  :", ":error::x\nlast ::warning::y", ""} {
		if _, err := w.Write([]byte(chunk)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if cmds := runnercmd.Commands(out.String()); len(cmds) > 0 {
		t.Fatalf("output %q holds %+v", out.String(), cmds)
	}
	if !strings.HasPrefix(out.String(), "PASS: 1/1\n##\\[set-output") || !strings.HasSuffix(out.String(), "last ::warning::y") {
		t.Fatalf("output %q", out.String())
	}
}

func TestSafeJSONKeepsTheValue(t *testing.T) {
	v := map[string]any{"name": "##[set-output name=s;]x", "zw": "acc\u200buracy\u00ad", "tag": "\U000e0041", "list": []any{"##", "["}}
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	safe := SafeJSON(data)
	if cmds := runnercmd.Commands(string(safe)); len(cmds) > 0 {
		t.Fatalf("%s holds %+v", safe, cmds)
	}
	var back map[string]any
	if err := json.Unmarshal(safe, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, v) {
		t.Fatalf("value changed: %v", back)
	}
}

// FuzzSafeLog: whatever the text, the runner finds no command in SafeLog's
// output, and text without ':', '#', '\r' or invisible characters passes unchanged.
func FuzzSafeLog(f *testing.F) {
	for _, a := range attacks {
		f.Add(a)
	}
	f.Add("plain text: with [brackets] and # signs")
	f.Fuzz(func(t *testing.T, s string) {
		got := SafeLog(s)
		if cmds := runnercmd.Commands(got); len(cmds) > 0 {
			t.Fatalf("SafeLog(%q) = %q holds %+v", s, got, cmds)
		}
		if !strings.ContainsFunc(s, Invisible) && !strings.ContainsAny(s, ":#\r") && got != s {
			t.Fatalf("SafeLog(%q) = %q changed text that cannot be a command", s, got)
		}
	})
}

// FuzzSafeJSON: any string value, encoded and passed through SafeJSON, holds
// no command for the runner and decodes to the same value.
func FuzzSafeJSON(f *testing.F) {
	for _, a := range attacks {
		f.Add(a)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v := map[string]any{s: []any{s, map[string]string{"k": s}}}
		data, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		safe := SafeJSON(data)
		if cmds := runnercmd.Commands(string(safe)); len(cmds) > 0 {
			t.Fatalf("SafeJSON of %q = %s holds %+v", s, safe, cmds)
		}
		var back, want any
		if err := json.Unmarshal(safe, &back); err != nil {
			t.Fatalf("SafeJSON broke the JSON: %v\n%s", err, safe)
		}
		_ = json.Unmarshal(data, &want)
		if !reflect.DeepEqual(back, want) {
			t.Fatalf("value changed: %v != %v", back, want)
		}
	})
}

// TestOwnCommandsParseAsMeant: annotations and groups carrying attacks are
// each exactly the one command mlgate writes, with the attack as its data.
func TestOwnCommandsParseAsMeant(t *testing.T) {
	for _, a := range attacks {
		rt, out := newRuntime(stepEnv(t))
		rt.Annotate(Annotation{Level: LevelError, Title: a, Message: a, File: a, Line: 1})
		rt.Group(a, func() {})
		cmds := runnercmd.Commands(out.String())
		if len(cmds) != 3 || cmds[0].Name != "error" || cmds[1].Name != "group" || cmds[2].Name != "endgroup" {
			t.Fatalf("%q: commands %+v from\n%s", a, cmds, out.String())
		}
		if cmds[0].Props["title"] == "" || cmds[0].Props["file"] == "" || cmds[0].Data == "" {
			t.Errorf("%q: annotation lost its fields: %+v", a, cmds[0])
		}
	}
}
