package githubapi

import (
	"testing"

	"github.com/mlgate/mlgate/internal/githubfake"
)

// BenchmarkStickyCommentUpdate finds and updates our comment among 1,000
// (ten pages) on a loopback stand-in: the client's own cost per report run.
func BenchmarkStickyCommentUpdate(b *testing.B) {
	f := githubfake.New(b)
	for i := 0; i < 999; i++ {
		f.AddComment(1, "someone", "chatter")
	}
	f.AddComment(1, githubfake.BotLogin, Marker("default")+"\nold")
	c, err := New(Options{Token: "ghs-installation", APIURL: f.URL()})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := c.StickyComment(ctx, repo, 1, "default", "new", ModeUpdate); err != nil {
			b.Fatal(err)
		}
	}
}
