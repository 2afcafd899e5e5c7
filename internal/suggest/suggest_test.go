package suggest

import "testing"

func TestNearest(t *testing.T) {
	keys := []string{"ports", "pattern", "awb-mode", "iso"}
	for _, c := range []struct{ in, want string }{
		{"prots", "ports"}, // two edits (a swap)
		{"ports", "ports"}, // exact
		{"awb_mode", "awb-mode"},
		{"patern", "pattern"}, // one deletion
		{"exposure", ""},      // nothing close
		{"", ""},              // every key is 3 or more edits away
	} {
		if got := Nearest(c.in, keys); got != c.want {
			t.Errorf("Nearest(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestDistance(t *testing.T) {
	for _, c := range []struct {
		a, b string
		d    int
	}{{"", "", 0}, {"abc", "", 3}, {"", "ab", 2}, {"kitten", "sitting", 3}, {"flaw", "lawn", 2}, {"same", "same", 0}} {
		if got := distance(c.a, c.b); got != c.d {
			t.Errorf("distance(%q, %q) = %d, want %d", c.a, c.b, got, c.d)
		}
		if got := distance(c.b, c.a); got != c.d {
			t.Errorf("distance(%q, %q) = %d, want %d (symmetric)", c.b, c.a, got, c.d)
		}
	}
}
