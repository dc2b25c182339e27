package store

import "sync"

// Backends say which of their errors belong to a class that callers who
// know no backend — the Web API, the CLI — tell people about in their own
// words instead of passing on the database's: a full disk under the store
// (SQLite's SQLITE_FULL, PostgreSQL's disk_full), a lost connection to it.
type errorClass struct {
	mu    sync.RWMutex
	tests []func(error) bool
}

func (c *errorClass) register(f func(error) bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.tests = append(c.tests, f)
}

func (c *errorClass) has(err error) bool {
	if err == nil {
		return false
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	for _, f := range c.tests {
		if f(err) {
			return true
		}
	}
	return false
}

var storageFull, connectionLost, unreachable, refused, schemaMismatch errorClass

// RegisterStorageFull adds a backend's test for a full disk.
func RegisterStorageFull(f func(error) bool) { storageFull.register(f) }

// IsStorageFull reports whether a registered backend takes err for a full
// disk under its store.
func IsStorageFull(err error) bool { return storageFull.has(err) }

// RegisterConnectionLost adds a backend's test for a connection to its
// server that was lost or ended by the server while in use.
func RegisterConnectionLost(f func(error) bool) { connectionLost.register(f) }

// IsConnectionLost reports whether a registered backend takes err for a
// lost connection: a write that failed so may or may not have committed
// (its COMMIT may have reached the server before the connection went).
func IsConnectionLost(err error) bool { return connectionLost.has(err) }

// RegisterUnreachable adds a backend's test for a connection to its server
// that could not be made for now (no server there, none answering, one
// starting or with no connection to spare): nothing was sent, so nothing
// was written, and a later try may go through.
func RegisterUnreachable(f func(error) bool) { unreachable.register(f) }

// IsUnreachable reports whether a registered backend takes err for a
// connection to its server that could not be made for now.
func IsUnreachable(err error) bool { return unreachable.has(err) }

// RegisterRefused adds a backend's test for a connection its server
// refused for what the store's settings say (a sign-in refused, no such
// database, TLS the two sides do not agree on): nothing was sent, so
// nothing was written, and trying again fails the same way until someone
// corrects the settings or the server.
func RegisterRefused(f func(error) bool) { refused.register(f) }

// IsRefused reports whether a registered backend takes err for a
// connection its server refused (RegisterRefused). IsUnreachable does not
// hold for it.
func IsRefused(err error) bool { return refused.has(err) }

// RegisterSchemaMismatch adds a backend's test for a statement that names
// a table or column the store's schema lacks.
func RegisterSchemaMismatch(f func(error) bool) { schemaMismatch.register(f) }

// IsSchemaMismatch reports whether a registered backend takes err for a
// schema that is not the one this bpfc's statements are for: most often a
// newer bpfc migrated a shared store under a running older server.
func IsSchemaMismatch(err error) bool { return schemaMismatch.has(err) }
