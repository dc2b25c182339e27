package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/bpfc/bpfc/solution"
)

// pathAccess is what a command does with a path it was given.
type pathAccess string

const (
	reading pathAccess = "read"
	writing pathAccess = "write"
)

// pathError reports a path given on the command line that the command
// cannot read or write, in words rather than as the system call's error
// ("open x: no such file or directory"): what was given (the argument or
// flag with its path, e.g. "--archive dist"), what is wrong with it, and
// hint, what to give instead. A user-facing failure (exit 1); under
// --output json its code says the kind: NotFound for a path that does not
// exist, BadRequest for a file where a directory goes or the other way
// round, Forbidden for one this user may not read or write, else Failed.
func pathError(access pathAccess, given, path string, err error, hint string) error {
	code, problem := pathProblem(access, path, err)
	msg := fmt.Sprintf("%s: %s; %s", given, problem, hint)
	return &exitError{code: 1, msg: msg, detail: &errorDetail{Code: code, Message: msg}, cause: err}
}

// pathProblem says what is wrong with path, for err from reading or
// writing it (or a file below it), and its error code. The path the error
// names is said when it is not path itself.
func pathProblem(access pathAccess, path string, err error) (code, problem string) {
	at := errPath(err)
	if at == "" {
		at = path
	}
	subject := at
	if filepath.Clean(at) == filepath.Clean(path) {
		subject = "it"
	}
	switch file := fileAbove(at); {
	case file != "" && file != at, errors.Is(err, syscall.ENOTDIR) && file != "":
		// A file where a directory goes, on the way to the path.
		return "BadRequest", fmt.Sprintf("%s is a file, not a directory", file)
	case errors.Is(err, fs.ErrNotExist) && access == writing && existingDir(at) != filepath.Dir(at):
		return "NotFound", fmt.Sprintf("the directory %s does not exist", filepath.Dir(at))
	case errors.Is(err, fs.ErrNotExist) && access == reading:
		return "NotFound", subject + " does not exist"
	case errors.Is(err, syscall.EISDIR):
		return "BadRequest", subject + " is a directory, not a file"
	case errors.Is(err, fs.ErrPermission) && access == writing:
		return "Forbidden", fmt.Sprintf("this user may not write in %s (check its permissions)", existingDir(at))
	case errors.Is(err, fs.ErrPermission):
		return "Forbidden", fmt.Sprintf("this user may not read %s (check its permissions)", subject)
	case errors.Is(err, syscall.EROFS):
		return "Forbidden", fmt.Sprintf("%s is on a read-only file system", existingDir(at))
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return "Failed", fmt.Sprintf("cannot %s %s: %v", access, at, pe.Err)
	}
	return "Failed", fmt.Sprintf("cannot %s %s: %v", access, at, err)
}

// errPath is the path a file system error names, or "".
func errPath(err error) string {
	var pe *fs.PathError
	var le *os.LinkError
	switch {
	case errors.As(err, &pe):
		return pe.Path
	case errors.As(err, &le):
		return le.New
	}
	return ""
}

// firstExisting is the first of path and the directories above it that
// exists, with its information (nil when not even the root does).
func firstExisting(path string) (string, fs.FileInfo) {
	for p := filepath.Clean(path); ; p = filepath.Dir(p) {
		if fi, err := os.Stat(p); err == nil {
			return p, fi
		}
		if filepath.Dir(p) == p {
			return p, nil
		}
	}
}

// fileAbove is the first of path and the directories above it that
// exists, when that one is not a directory; else "".
func fileAbove(path string) string {
	if p, fi := firstExisting(path); fi != nil && !fi.IsDir() {
		return p
	}
	return ""
}

// existingDir is the first of path and the directories above it that
// exists as a directory (where a write would go).
func existingDir(path string) string {
	p, fi := firstExisting(path)
	if fi != nil && !fi.IsDir() {
		return filepath.Dir(p) // a file's directory
	}
	return p
}

// writeOutFile writes a file a command was told to write (-o FILE),
// making its directory as needed; the file is replaced whole or not at all.
func writeOutFile(path string, data []byte) error {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return &fs.PathError{Op: "write", Path: path, Err: syscall.EISDIR}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return solution.WriteFileAtomic(path, data)
}
