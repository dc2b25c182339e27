package webapi

import (
	"net/http"
	"sync"
	"time"

	"github.com/bpfc/bpfc/runtime/engine"
	"github.com/bpfc/bpfc/runtime/store"
)

// setsTTL is how long the server trusts its map of entity sets before it
// reads it again; a set it does not know makes it read at once.
const setsTTL = 2 * time.Second

// setCache maps entity set names to their tables. Reads (lists, rows)
// check the set in their own transaction; a change only needs to know the
// table's kind, and the engine checks the acting user's privileges itself.
type setCache struct {
	mu     sync.Mutex
	m      map[string]store.Table
	loaded time.Time
}

// tableOf returns the table behind an entity set.
func (s *Server) tableOf(r *http.Request, set string) (store.Table, error) {
	m, err := s.entitySets(r, set)
	if err != nil {
		return store.Table{}, err
	}
	if t, ok := m[set]; ok {
		return t, nil
	}
	if isProcessSet(set) {
		return store.Table{}, readOnlyProcesses(set) // GET serves them (processes.go)
	}
	if functionNamed(set) != nil {
		return store.Table{}, errorf(http.StatusMethodNotAllowed, "MethodNotAllowed", "%s is a function: call it with GET", set)
	}
	if isAction(set) {
		return store.Table{}, errorf(http.StatusMethodNotAllowed, "MethodNotAllowed", "%s is an action: call it with POST", set)
	}
	if how, ok := otherOperations[set]; ok {
		return store.Table{}, errorf(http.StatusNotImplemented, "NotImplemented", "%s is Dataverse's but not bpfc's: %s", set, how)
	}
	return store.Table{}, unknownSet(set, m)
}

// unknownSet is the 404 of an entity set that m, the sets by name, has not,
// with the set most likely meant.
func unknownSet(set string, m map[string]store.Table) error {
	byName := make(map[string]store.Table, len(m))
	for _, t := range m {
		byName[t.Name] = t
	}
	return errorf(http.StatusNotFound, "NotFound", "no entity set %q%s (GET %s lists them)", set, engine.EntitySetHint(set, byName), Prefix)
}

// otherOperations are Dataverse operations on processes that bpfc does
// not have, with what to use instead: a client calling one is told so,
// not that an entity set of that name is missing.
var otherOperations = map[string]string{
	"SetProcess": "start the flow on the record with POST <the flow's entity set> and bpf_<table>id@odata.bind " +
		"(a record runs one instance of each flow), and finish or abandon the other's instance with PATCH statecode/statuscode",
}

// entitySets returns every table by its entity set name: the cached map,
// read again when stale or when it does not know set ("" for none). The
// map is shared: read it, never change it.
func (s *Server) entitySets(r *http.Request, set string) (map[string]store.Table, error) {
	c := &s.sets
	c.mu.Lock()
	m := c.m
	_, ok := m[set]
	fresh := time.Since(c.loaded) < setsTTL
	c.mu.Unlock()
	if (ok || set == "") && fresh && m != nil {
		return m, nil
	}
	tables, err := session(r).EntitySets(r.Context())
	if err != nil {
		return nil, err
	}
	m = make(map[string]store.Table, len(tables))
	for _, t := range tables {
		m[t.EntitySetName] = t
	}
	c.mu.Lock()
	c.m, c.loaded = m, time.Now()
	c.mu.Unlock()
	return m, nil
}
