package store

import "sync"

// Backends say which of their errors mean that the disk under the store is
// full (SQLite's SQLITE_FULL, PostgreSQL's disk_full), so that callers that
// know no backend — the Web API, the CLI — can say so instead of passing on
// the database's own words.
var (
	storageFullMu sync.RWMutex
	storageFull   []func(error) bool
)

// RegisterStorageFull adds a backend's test for a full disk.
func RegisterStorageFull(f func(error) bool) {
	storageFullMu.Lock()
	defer storageFullMu.Unlock()
	storageFull = append(storageFull, f)
}

// IsStorageFull reports whether a registered backend takes err for a full
// disk under its store.
func IsStorageFull(err error) bool {
	if err == nil {
		return false
	}
	storageFullMu.RLock()
	defer storageFullMu.RUnlock()
	for _, f := range storageFull {
		if f(err) {
			return true
		}
	}
	return false
}
