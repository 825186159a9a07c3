package githubapi

import (
	"strings"
	"testing"
)

// FuzzMarker checks that any id survives the marker round trip, that the
// marker is one HTML comment whatever the id, and that reading markers from
// arbitrary comment bodies never panics.
func FuzzMarker(f *testing.F) {
	for _, s := range []string{"mlgate", "-->", "<!-- x -->", `{"id":"a"}`, "\n", "\u2028"} {
		f.Add(s, Marker(s)+"\nbody")
	}
	f.Fuzz(func(t *testing.T, id, body string) {
		// Bounded: a call past 10s of wall time on a loaded machine takes the
		// fuzzing worker down.
		if len(id)+len(body) > 64<<10 {
			t.Skip()
		}
		markerID(body)
		m := Marker(id)
		if strings.Count(m, "-->") != 1 || strings.Contains(m, "\n") {
			t.Fatalf("Marker(%q) = %q", id, m)
		}
		if got, ok := markerID(m + "\n" + body); !ok || (got != id && strings.ToValidUTF8(id, "\uFFFD") == id) {
			t.Fatalf("markerID(Marker(%q)) = %q, %v", id, got, ok)
		}
	})
}
