package engine

import (
	"context"
	"errors"
	"maps"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/bpfc/bpfc/runtime/store"
)

// A one-shot change is a change of an instance decided on what earlier
// committed transactions of this engine read and wrote (the instance row,
// its stage's record, the user's access, the deployment) and written in
// one statement that first checks it all still holds (store.OneShotWriter):
// one round trip and one commit instead of a transaction's five. When the
// store cannot, when something is not cached, when the change needs more
// than an update of the instance and its stage log (a cross-table link, a
// workflow to fire), when anything would be refused, or when the
// statement finds something changed, the change runs as a shared write,
// which decides again on what is in the database.

// errOneShot stops a one-shot change: it runs as a shared write instead.
var errOneShot = errors.New("not a one-shot change")

// oneShot tries the change in one shot; done is false when it must run as
// a shared write.
func (s *Session) oneShot(ctx context.Context, table, id, action string, mo MoveOptions, privs []string,
	fn func(c *change) (*Transition, error)) (out *Instance, done bool, err error) {
	e := s.e
	if !e.oneShots || mo.Full {
		return nil, false, nil
	}
	ow := e.s.(store.OneShotWriter)
	acc, stamp, ok := ow.CachedAccess(s.user)
	if !ok || forbidden(s.user, acc) != nil {
		return nil, false, nil
	}
	dep := e.loaded()
	tname, ok := e.instanceTable(id)
	if !ok || dep == nil || dep.generation != acc.Generation || dep.byTable[tname] == nil {
		return nil, false, nil
	}
	f := dep.byTable[tname]
	row, ok := e.rows.get(f.table, id)
	if !ok {
		return nil, false, nil
	}
	expect := mo.IfVersion
	if expect == 0 {
		expect = num(row[store.RowVersionColumn])
	}
	tx := &oneShotTx{rows: &e.rows, reads: map[[2]string]store.RowVersion{}}
	o := &op{ctx: ctx, e: e, tx: tx, dep: dep, acc: acc, now: e.o.Now().UTC(), user: s.user, id: uuid.NewString(), oneShot: true}
	out, seen, err := o.applyChange(table, id, action, expect, &readInstance{dep: dep, f: f, row: row}, mo, privs, fn)
	if err != nil || tx.w.Update.ID == "" {
		return nil, false, nil
	}
	w := tx.w
	w.AccessStamp, w.Generation = stamp, dep.generation
	for k, r := range tx.reads {
		if k != [2]string{f.table.Name, id} || r.Version != w.Update.Version {
			w.Reads = append(w.Reads, r)
		}
	}
	applied, err := ow.WriteOnce(ctx, w)
	if err != nil {
		return nil, true, err
	}
	if !applied {
		// Something changed since it was cached: decide again on what is
		// in the database.
		for _, r := range tx.reads {
			e.rows.drop(r.Table.Name, r.ID)
		}
		return nil, false, nil
	}
	e.rows.put(seen...)
	return out, true, nil
}

// oneShotTx is a one-shot change's transaction: rows come from the
// engine's cache, the instance's update and its stage log's writes are
// kept for the one statement, and everything else stops the one-shot
// change (refuseTx).
type oneShotTx struct {
	refuseTx
	rows  *rowCache
	reads map[[2]string]store.RowVersion
	w     store.OneShot
}

func (t *oneShotTx) GetRow(tb store.Table, id string) (store.Row, error) {
	row, ok := t.rows.get(tb, id)
	if !ok {
		return nil, errOneShot
	}
	t.reads[[2]string{tb.Name, id}] = rowVersion(tb, id, row)
	return row, nil
}

// rowVersion names row as the one-shot statement checks it: its version
// and, where the table has one, its creation time.
func rowVersion(tb store.Table, id string, row store.Row) store.RowVersion {
	rv := store.RowVersion{Table: tb, ID: id, Version: num(row[store.RowVersionColumn])}
	if _, ok := tb.Column(colCreatedOn); ok {
		rv.Created = tm(row[colCreatedOn])
	}
	return rv
}

func (t *oneShotTx) UpdateRow(tb store.Table, id string, values map[string]any, version int64) (int64, error) {
	if t.w.Update.ID != "" || version <= 0 {
		return 0, errOneShot
	}
	rv := store.RowVersion{Table: tb, ID: id, Version: version}
	if cached, ok := t.rows.version(tb, id); ok && cached.Version == version {
		rv.Created = cached.Created
	}
	t.w.Update = store.RowUpdate{RowVersion: rv, Values: maps.Clone(values)}
	return version + 1, nil
}

func (t *oneShotTx) CloseStageVisit(instanceID string, left time.Time, by, how string) error {
	if t.w.Leave != nil {
		return errOneShot
	}
	t.w.Leave = &store.StageExit{InstanceID: instanceID, Left: left, By: by, How: how}
	return nil
}

func (t *oneShotTx) AddStageVisit(v store.StageVisit) error {
	if t.w.Enter != nil || v.EnteredOn.IsZero() {
		return errOneShot
	}
	t.w.Enter = &v
	return nil
}

// rowCache holds rows as committed transactions of this engine read or
// wrote them, each with its row version: what a one-shot change decides
// on, never without checking the version.
type rowCache struct {
	mu sync.Mutex
	m  map[[2]string]store.Row // by table and primary key
}

// maxCachedRows bounds the cache; when full it starts again.
const maxCachedRows = 100_000

// get returns a copy of the row of t with id if every column of t is in it.
func (c *rowCache) get(t store.Table, id string) (store.Row, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	row, ok := c.whole(t, id)
	if !ok {
		return nil, false
	}
	return maps.Clone(row), true
}

// version is rowVersion of the row get would return, without copying it.
func (c *rowCache) version(t store.Table, id string) (store.RowVersion, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	row, ok := c.whole(t, id)
	if !ok {
		return store.RowVersion{}, false
	}
	return rowVersion(t, id, row), true
}

// whole is the cached row of t with id if every column of t is in it (the
// cache's own: c.mu held, not to be changed).
func (c *rowCache) whole(t store.Table, id string) (store.Row, bool) {
	row, ok := c.m[[2]string{t.Name, id}]
	if !ok {
		return nil, false
	}
	if _, ok := row[t.PrimaryKey]; !ok && t.PrimaryKey != "" {
		return nil, false
	}
	for i := range t.Columns { // by index: a Column is too large to copy per step
		if _, ok := row[t.Columns[i].Name]; !ok {
			return nil, false
		}
	}
	return row, true
}

// put keeps rows that carry their row version.
func (c *rowCache) put(rows ...cachedRow) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, r := range rows {
		if _, ok := r.row[store.RowVersionColumn]; !ok {
			continue
		}
		if c.m == nil || len(c.m) >= maxCachedRows {
			c.m = map[[2]string]store.Row{}
		}
		c.m[[2]string{r.table, r.id}] = maps.Clone(r.row)
	}
}

func (c *rowCache) drop(table, id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, [2]string{table, id})
}
