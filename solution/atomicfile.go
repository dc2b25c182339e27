package solution

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
)

// WriteFileAtomic replaces a file through a temporary file and a rename, so
// an interrupted write never leaves a half-written file. A symbolic link is
// followed: the file it points at is replaced, the link stays.
func WriteFileAtomic(path string, data []byte) error {
	return WriteFilesAtomic(map[string][]byte{path: data})
}

// WriteFilesAtomic writes several files as WriteFileAtomic does, every
// temporary file first and then the renames, in path order: a kill leaves
// each file whole, and the old and new files side by side only for the
// moment the renames take, not for the time the writes do. Their folders
// must exist.
func WriteFilesAtomic(files map[string][]byte) error {
	type staged struct{ tmp, path string }
	var done []staged
	defer func() {
		for _, s := range done {
			os.Remove(s.tmp) // those not renamed, after a failure
		}
	}()
	for _, name := range slices.Sorted(maps.Keys(files)) {
		path := name
		if target, err := filepath.EvalSymlinks(name); err == nil {
			path = target
		}
		mode := os.FileMode(0o644)
		if st, err := os.Stat(path); err == nil {
			mode = st.Mode().Perm()
		}
		tmp, err := os.CreateTemp(filepath.Dir(path), ".bpfc-*")
		if err != nil {
			return fmt.Errorf("writing %s: %w", path, err)
		}
		done = append(done, staged{tmp.Name(), path})
		_, err = tmp.Write(files[name])
		if err == nil {
			err = tmp.Chmod(mode)
		}
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("writing %s: %w", path, err)
		}
	}
	for len(done) > 0 {
		if err := os.Rename(done[0].tmp, done[0].path); err != nil {
			return fmt.Errorf("writing %s: %w", done[0].path, err)
		}
		done = done[1:]
	}
	return nil
}
