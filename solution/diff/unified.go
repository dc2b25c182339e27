package diff

import (
	"fmt"
	"strings"
)

// contextLines is the number of unchanged lines around each hunk, as in
// `diff -u` and git.
const contextLines = 3

// maxEditDistance bounds the search for a shortest edit script. Past it the
// differing middle of the two files is shown as removed then added: still a
// correct diff, only not a minimal one, and found in bounded time and memory.
const maxEditDistance = 2000

type opKind byte

const (
	opEqual opKind = iota
	opDelete
	opInsert
)

// edit is one line of an edit script: a line of a kept (opEqual), removed
// (opDelete, index into a) or added (opInsert, index into b).
type edit struct {
	kind opKind
	a, b int // line indexes; for opDelete b and for opInsert a are where the line would be
}

// Unified returns the unified diff of two texts with three lines of context,
// headed by "--- oldName" and "+++ newName", or "" when the texts are equal.
// Line endings are normalised first (CRLF to LF), and a missing final
// newline is ignored: the diff is for people, not for `patch`.
func Unified(oldName, newName, oldText, newText string) string {
	a, b := splitLines(oldText), splitLines(newText)
	script := lineEdits(a, b)
	hunks := groupHunks(script, contextLines)
	if len(hunks) == 0 {
		return ""
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "--- %s\n+++ %s\n", oldName, newName)
	for _, h := range hunks {
		writeHunk(&sb, h, a, b)
	}
	return sb.String()
}

// splitLines splits normalised text into lines without their newlines.
func splitLines(s string) []string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.TrimSuffix(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// lineEdits computes an edit script turning a into b: the common prefix and
// suffix are kept as they are, the middle is diffed with Myers' algorithm.
func lineEdits(a, b []string) []edit {
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	var out []edit
	for i := 0; i < pre; i++ {
		out = append(out, edit{opEqual, i, i})
	}
	// Intern the middle lines so that comparisons are of ints.
	ids := map[string]int{}
	intern := func(lines []string) []int {
		r := make([]int, len(lines))
		for i, l := range lines {
			id, ok := ids[l]
			if !ok {
				id = len(ids)
				ids[l] = id
			}
			r[i] = id
		}
		return r
	}
	ma, mb := intern(a[pre:len(a)-suf]), intern(b[pre:len(b)-suf])
	for _, e := range myers(ma, mb) {
		e.a += pre
		e.b += pre
		out = append(out, e)
	}
	for i := 0; i < suf; i++ {
		out = append(out, edit{opEqual, len(a) - suf + i, len(b) - suf + i})
	}
	return out
}

// myers is Eugene Myers' O(ND) shortest edit script ("An O(ND) Difference
// Algorithm and Its Variations", 1986), keeping the frontier of every round
// to trace the path back. Deletions come before insertions in each change.
func myers(a, b []int) []edit {
	n, m := len(a), len(b)
	if n == 0 || m == 0 {
		return replaceAll(n, m)
	}
	maxD := min(n+m, maxEditDistance)
	off := maxD + 1
	v := make([]int, 2*maxD+3)
	var trace [][]int
	found := false
	for d := 0; d <= maxD && !found; d++ {
		snapshot := make([]int, 2*d+1)
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || k != d && v[off+k-1] < v[off+k+1] {
				x = v[off+k+1] // down: an insertion
			} else {
				x = v[off+k-1] + 1 // right: a deletion
			}
			y := x - k
			for x < n && y < m && a[x] == b[y] {
				x++
				y++
			}
			v[off+k] = x
			if x >= n && y >= m {
				found = true
			}
		}
		for k := -d; k <= d; k++ {
			snapshot[k+d] = v[off+k]
		}
		trace = append(trace, snapshot)
	}
	if !found {
		return replaceAll(n, m)
	}
	// Walk back from (n, m) through the snapshots.
	var rev []edit
	x, y := n, m
	for d := len(trace) - 1; d > 0; d-- {
		prev := trace[d-1]
		at := func(k int) int { return prev[k+d-1] }
		k := x - y
		var pk int
		if k == -d || k != d && at(k-1) < at(k+1) {
			pk = k + 1
		} else {
			pk = k - 1
		}
		px := at(pk)
		py := px - pk
		for x > px && y > py {
			x--
			y--
			rev = append(rev, edit{opEqual, x, y})
		}
		if x == px {
			y--
			rev = append(rev, edit{opInsert, x, y})
		} else {
			x--
			rev = append(rev, edit{opDelete, x, y})
		}
	}
	for x > 0 && y > 0 {
		x--
		y--
		rev = append(rev, edit{opEqual, x, y})
	}
	out := make([]edit, len(rev))
	for i, e := range rev {
		out[len(rev)-1-i] = e
	}
	return out
}

// replaceAll is the edit script that removes all n lines and adds all m.
func replaceAll(n, m int) []edit {
	out := make([]edit, 0, n+m)
	for i := 0; i < n; i++ {
		out = append(out, edit{opDelete, i, 0})
	}
	for j := 0; j < m; j++ {
		out = append(out, edit{opInsert, n, j})
	}
	return out
}

// hunk is a run of the edit script with its context.
type hunk struct {
	edits []edit
}

// groupHunks cuts the edit script into hunks: each change with up to ctx
// unchanged lines either side, hunks closer than 2*ctx lines merged.
func groupHunks(script []edit, ctx int) []hunk {
	var changes []int
	for i, e := range script {
		if e.kind != opEqual {
			changes = append(changes, i)
		}
	}
	if len(changes) == 0 {
		return nil
	}
	var out []hunk
	start := max(changes[0]-ctx, 0)
	end := min(changes[0]+ctx+1, len(script))
	for _, c := range changes[1:] {
		if c-ctx <= end {
			end = min(c+ctx+1, len(script))
			continue
		}
		out = append(out, hunk{script[start:end]})
		start, end = c-ctx, min(c+ctx+1, len(script))
	}
	return append(out, hunk{script[start:end]})
}

// writeHunk writes "@@ -l,s +l,s @@" and the hunk's lines, as GNU diff does:
// a range of one line omits ",1", an empty range names the line before it.
func writeHunk(sb *strings.Builder, h hunk, a, b []string) {
	aStart, bStart, aLen, bLen := -1, -1, 0, 0
	for _, e := range h.edits {
		if e.kind != opInsert {
			if aStart < 0 {
				aStart = e.a
			}
			aLen++
		}
		if e.kind != opDelete {
			if bStart < 0 {
				bStart = e.b
			}
			bLen++
		}
	}
	if aStart < 0 {
		aStart = h.edits[0].a
	}
	if bStart < 0 {
		bStart = h.edits[0].b
	}
	fmt.Fprintf(sb, "@@ -%s +%s @@\n", hunkRange(aStart, aLen), hunkRange(bStart, bLen))
	for _, e := range h.edits {
		switch e.kind {
		case opEqual:
			sb.WriteString(" " + a[e.a] + "\n")
		case opDelete:
			sb.WriteString("-" + a[e.a] + "\n")
		case opInsert:
			sb.WriteString("+" + b[e.b] + "\n")
		}
	}
}

func hunkRange(start, length int) string {
	switch length {
	case 0:
		return fmt.Sprintf("%d,0", start)
	case 1:
		return fmt.Sprintf("%d", start+1)
	}
	return fmt.Sprintf("%d,%d", start+1, length)
}
