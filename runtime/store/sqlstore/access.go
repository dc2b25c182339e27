package sqlstore

import (
	"slices"
	"sync"

	"github.com/bpfc/bpfc/runtime/store"
)

// The access stamp (table accessstamp, migration 0006) counts the changes
// to users, roles and privileges: every statement of the store that changes
// them adds one to it in the same transaction. A shared write reads it with
// its locks, with the import generation (Txn), so a user's access read
// under one stamp and generation holds for every transaction whose
// snapshot has the same: the store reads it once, not once per transition.

// accessCache is the users' access read under one stamp.
type accessCache struct {
	mu    sync.Mutex
	stamp int64
	gen   int64
	m     map[string]store.Access
}

// maxCachedUsers bounds the cache; beyond it, it starts again.
const maxCachedUsers = 10_000

func (c *accessCache) get(stamp, gen int64, name string) (store.Access, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	a, ok := c.m[name]
	if !ok || c.stamp != stamp || c.gen != gen {
		return store.Access{}, false
	}
	return cloneAccess(a), true
}

// latest is the user's access under the newest stamp and generation the
// cache has seen, with that stamp.
func (c *accessCache) latest(name string) (store.Access, int64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	a, ok := c.m[name]
	if !ok || c.stamp == 0 {
		return store.Access{}, 0, false
	}
	return cloneAccess(a), c.stamp, true
}

// put keeps a, read under stamp and import generation gen: newer ones
// start the cache again, older ones are not kept (a transaction on an
// older snapshot).
func (c *accessCache) put(stamp, gen int64, a store.Access) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case a.Generation != gen || stamp < c.stamp || stamp == c.stamp && gen < c.gen:
		return
	case stamp > c.stamp || gen > c.gen || len(c.m) >= maxCachedUsers:
		c.stamp, c.gen, c.m = stamp, gen, map[string]store.Access{}
	}
	c.m[a.User.Name] = cloneAccess(a)
}

func cloneAccess(a store.Access) store.Access {
	a.User.Roles = slices.Clone(a.User.Roles)
	a.Privileges = slices.Clone(a.Privileges)
	return a
}

// accessChanged counts a change to users, roles or privileges, and keeps
// this transaction from the cache from now on (its own change is not in
// the stamp it read).
func (t *tx) accessChanged() error {
	t.accessStamp = 0
	_, err := t.exec(`UPDATE accessstamp SET n = n + 1 WHERE id = 1`)
	return err
}
