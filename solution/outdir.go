package solution

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// lockName is the file a build holds while it swaps its output into a
// folder, so that builds into one folder at once (CI jobs, a watcher) each
// leave a whole tree: the last one's.
const lockName = ".bpfc-build.lock"

// Stale locks and staging folders are an interrupted build's: a swap takes
// milliseconds, staging a build of a thousand flows minutes.
const (
	staleLock    = 2 * time.Minute
	staleStaging = time.Hour
)

// checkOutDir refuses an output folder whose solution/ is not a build's:
// a build replaces that folder whole, and the folder someone keeps their
// own files in (bpfc build -o . beside a solution/ of their sources) must
// not go.
func checkOutDir(outDir string) error {
	tree := filepath.Join(outDir, TreeDirName)
	if _, err := os.Lstat(tree); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	for _, f := range []string{BuildInfoFile, ModelFile} {
		if _, err := os.Stat(filepath.Join(outDir, f)); err == nil {
			return nil
		}
	}
	return fmt.Errorf("%s exists and is not the tree of an earlier build (%s has no %s): a build replaces it whole; build into another folder (-o), or move it away", tree, outDir, BuildInfoFile)
}

// lockOutDir takes the folder's build lock, waiting for another build's
// swap to end; unlock releases it.
func lockOutDir(outDir string) (unlock func(), err error) {
	path := filepath.Join(outDir, lockName)
	for {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
		if err == nil {
			// The owner's process id: a build killed mid-swap leaves the
			// lock, and the next one need not wait staleLock for it.
			_, werr := fmt.Fprintf(f, "%d\n", os.Getpid())
			if cerr := f.Close(); werr == nil {
				werr = cerr
			}
			if werr != nil {
				os.Remove(path)
				return nil, werr
			}
			return func() { os.Remove(path) }, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, err
		}
		if st, err := os.Stat(path); err == nil && (time.Since(st.ModTime()) > staleLock || ownerGone(path, st.ModTime())) {
			os.Remove(path) // an interrupted build's
			continue
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// swapping reports whether a build holds the folder's lock: it is swapping
// its tree in.
func swapping(outDir string) bool {
	_, err := os.Stat(filepath.Join(outDir, lockName))
	return err == nil
}

// ownerGone reports whether the build that wrote the lock at path is no
// longer running. A lock without a process id yet (just created) is not
// taken for a dead one until it is a second old.
func ownerGone(path string, written time.Time) bool {
	b, err := os.ReadFile(path)
	if err != nil {
		return false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return time.Since(written) > time.Second
	}
	p, err := os.FindProcess(pid)
	if err != nil {
		return true
	}
	// Signal 0 checks that the process exists (Unix); where it is not
	// supported, the lock goes stale after staleLock as before.
	err = p.Signal(syscall.Signal(0))
	return errors.Is(err, os.ErrProcessDone)
}
