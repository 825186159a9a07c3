package parquetx

import (
	"encoding/hex"
	"time"
	"unicode/utf8"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
)

// Text returns a non-null string or binary value as text (binary values
// that are not UTF-8 are hex-encoded) for patterns and allowed values.
func (c *Column) Text(v parquet.Value) (string, bool) {
	if v.IsNull() {
		return "", false
	}
	switch c.Physical {
	case format.ByteArray, format.FixedLenByteArray:
		b := v.ByteArray()
		if c.Type.Name.IsString() || utf8.Valid(b) {
			return string(b), true
		}
		return hex.EncodeToString(b), true
	case format.Boolean:
		if v.Boolean() {
			return "true", true
		}
		return "false", true
	}
	return v.String(), true
}

// Display converts a value to something readable in a report or JSON:
// numbers, strings, booleans, RFC 3339 times; nil for null.
func (c *Column) Display(v parquet.Value) any {
	if v.IsNull() {
		return nil
	}
	switch c.Type.Name {
	case TypeDate:
		return time.Unix(int64(v.Int32())*86400, 0).UTC().Format("2006-01-02")
	case TypeTimestamp:
		var t time.Time
		switch c.Type.Unit {
		case "ms":
			t = time.UnixMilli(v.Int64())
		case "us":
			t = time.UnixMicro(v.Int64())
		default:
			t = time.Unix(0, v.Int64())
		}
		return t.UTC().Format(time.RFC3339Nano)
	case TypeBoolean:
		return v.Boolean()
	}
	if e, ok := c.Exact(v); ok {
		return e.Value() // NaN and infinities are encoded by the evidence writer
	}
	s, _ := c.Text(v)
	return Shorten(s, 80)
}

// Shorten cuts s to at most max bytes plus an ellipsis, never inside a
// UTF-8 character.
func Shorten(s string, max int) string {
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
