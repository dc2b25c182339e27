package diff

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// lcs is the length of the longest common subsequence, by dynamic programming.
func lcs(a, b []string) int {
	t := make([][]int, len(a)+1)
	for i := range t {
		t[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				t[i][j] = t[i+1][j+1] + 1
			} else {
				t[i][j] = max(t[i+1][j], t[i][j+1])
			}
		}
	}
	return t[0][0]
}

// apply checks that the script walks a and b in order and yields b.
func apply(t *testing.T, a, b []string, script []edit) {
	t.Helper()
	i, j := 0, 0
	for _, e := range script {
		switch e.kind {
		case opEqual:
			if e.a != i || e.b != j || a[i] != b[j] {
				t.Fatalf("bad equal %+v at %d,%d", e, i, j)
			}
			i++
			j++
		case opDelete:
			if e.a != i {
				t.Fatalf("bad delete %+v at %d,%d", e, i, j)
			}
			i++
		case opInsert:
			if e.b != j {
				t.Fatalf("bad insert %+v at %d,%d", e, i, j)
			}
			j++
		}
	}
	if i != len(a) || j != len(b) {
		t.Fatalf("script ends at %d,%d, want %d,%d", i, j, len(a), len(b))
	}
}

func TestLineEditsAreMinimal(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	gen := func() []string {
		n := r.IntN(30)
		out := make([]string, n)
		for i := range out {
			out[i] = string(rune('a' + r.IntN(4)))
		}
		return out
	}
	for range 2000 {
		a, b := gen(), gen()
		script := lineEdits(a, b)
		apply(t, a, b, script)
		changes := 0
		for _, e := range script {
			if e.kind != opEqual {
				changes++
			}
		}
		if want := len(a) + len(b) - 2*lcs(a, b); changes != want {
			t.Fatalf("%q -> %q: %d changes, want %d", a, b, changes, want)
		}
	}
}

func TestUnified(t *testing.T) {
	old := "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\n"
	new := "a\nb\nc\nD\ne\nf\ng\nh\ni\nj\nk\nl\n"
	got := Unified("a/x", "b/x", old, new)
	want := `--- a/x
+++ b/x
@@ -1,7 +1,7 @@
 a
 b
 c
-d
+D
 e
 f
 g
@@ -9,3 +9,4 @@
 i
 j
 k
+l
`
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if got := Unified("a", "b", "x\r\ny", "x\ny\n"); got != "" {
		t.Errorf("line endings: got %q", got)
	}
	if got := Unified("/dev/null", "b/x", "", "one\ntwo\n"); got != "--- /dev/null\n+++ b/x\n@@ -0,0 +1,2 @@\n+one\n+two\n" {
		t.Errorf("added file: got %q", got)
	}
	if got := Unified("a/x", "/dev/null", "one\n", ""); got != "--- a/x\n+++ /dev/null\n@@ -1 +0,0 @@\n-one\n" {
		t.Errorf("removed file: got %q", got)
	}
}

func TestUnifiedLargeFallsBack(t *testing.T) {
	var a, b strings.Builder
	for i := range 3 * maxEditDistance {
		a.WriteString("a" + strings.Repeat("x", i%7) + "\n")
		b.WriteString("b" + strings.Repeat("y", i%5) + "\n")
	}
	d := Unified("a", "b", a.String(), b.String())
	if strings.Count(d, "\n-") != 3*maxEditDistance || strings.Count(d, "\n+") != 3*maxEditDistance+1 {
		t.Errorf("fallback diff is not a full replacement")
	}
}
