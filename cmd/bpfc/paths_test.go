package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestPathProblem: what pathError says of each kind of file system error,
// with its code; the kinds a test run as root cannot make (a directory it
// may not write, a read-only file system) from the errors themselves.
func TestPathProblem(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	for _, tc := range []struct {
		access      pathAccess
		path        string
		err         error
		code, wants string
	}{
		{reading, filepath.Join(dir, "nope.zip"), &fs.PathError{Op: "open", Path: filepath.Join(dir, "nope.zip"), Err: syscall.ENOENT}, "NotFound", "it does not exist"},
		{reading, dir, &fs.PathError{Op: "read", Path: dir, Err: syscall.EISDIR}, "BadRequest", "it is a directory, not a file"},
		{reading, file, &fs.PathError{Op: "open", Path: file, Err: syscall.EACCES}, "Forbidden", "this user may not read it"},
		{writing, out, &fs.PathError{Op: "mkdir", Path: out, Err: syscall.EACCES}, "Forbidden", "this user may not write in " + dir},
		{writing, out, &fs.PathError{Op: "mkdir", Path: out, Err: syscall.EROFS}, "Forbidden", dir + " is on a read-only file system"},
		{writing, filepath.Join(file, "out"), &fs.PathError{Op: "mkdir", Path: file, Err: syscall.ENOTDIR}, "BadRequest", file + " is a file, not a directory"},
		{writing, filepath.Join(dir, "a", "b"), &fs.PathError{Op: "open", Path: filepath.Join(dir, "a", "b"), Err: syscall.ENOENT}, "NotFound", "the directory " + filepath.Join(dir, "a") + " does not exist"},
		{writing, out, &fs.PathError{Op: "write", Path: out, Err: syscall.ENOSPC}, "Failed", "cannot write " + out + ": no space left on device"},
	} {
		code, problem := pathProblem(tc.access, tc.path, tc.err)
		if code != tc.code || !strings.Contains(problem, tc.wants) {
			t.Errorf("%s %s, %v: %s %q; want %s and %q", tc.access, tc.path, tc.err, code, problem, tc.code, tc.wants)
		}
	}
}
