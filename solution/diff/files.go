package diff

import (
	"bytes"
	"slices"
	"unicode/utf8"
)

// FileDiff is the unified diff of one generated file. Its JSON shape is
// stable: path is the file's slash-separated path in the solution tree (or
// the archive entry name when archives are compared); diff is the unified
// diff with "--- a/PATH" and "+++ b/PATH" headers ("/dev/null" for a file
// added or removed), or a one-line note for binary files.
type FileDiff struct {
	Path string `json:"path"`
	Diff string `json:"diff"`
}

var bom = []byte("\xef\xbb\xbf")

// Files compares two sets of files by path and returns the diff of every
// file that differs, sorted by path. Text is compared after dropping a UTF-8
// byte order mark and normalising CRLF line endings, so that the diff shows
// what changed rather than how it is framed; files that differ only in that
// framing get a one-line note.
func Files(old, new map[string][]byte) []FileDiff {
	var paths []string
	for p := range old {
		paths = append(paths, p)
	}
	for p := range new {
		if _, ok := old[p]; !ok {
			paths = append(paths, p)
		}
	}
	slices.Sort(paths)
	var out []FileDiff
	for _, p := range paths {
		ob, inOld := old[p]
		nb, inNew := new[p]
		if inOld && inNew && bytes.Equal(ob, nb) {
			continue
		}
		aName, bName := "a/"+p, "b/"+p
		if !inOld {
			aName = "/dev/null"
		}
		if !inNew {
			bName = "/dev/null"
		}
		if isBinary(ob) || isBinary(nb) {
			out = append(out, FileDiff{Path: p, Diff: "Binary files " + aName + " and " + bName + " differ\n"})
			continue
		}
		d := Unified(aName, bName, text(ob), text(nb))
		switch {
		case d == "" && (!inOld || !inNew):
			d = "--- " + aName + "\n+++ " + bName + "\n" // an empty file
		case d == "":
			d = "Files " + aName + " and " + bName + " differ only in line endings or byte order mark\n"
		}
		out = append(out, FileDiff{Path: p, Diff: d})
	}
	return out
}

func text(b []byte) string { return string(bytes.TrimPrefix(b, bom)) }

func isBinary(b []byte) bool { return bytes.IndexByte(b, 0) >= 0 || !utf8.Valid(b) }
