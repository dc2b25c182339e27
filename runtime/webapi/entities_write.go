package webapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/bpfc/bpfc/runtime/engine"
	"github.com/bpfc/bpfc/runtime/store"
)

// keyedTable is the table of set, for a row of it keyed by id (its
// property named prop, if the path named it): a key that is not a GUID,
// or a property that is not the table's key, is refused as Dataverse does
// (400), once the entity set is known (an unknown one is 404).
func (s *Server) keyedTable(r *http.Request, set, prop, id string) (store.Table, error) {
	t, err := s.tableOf(r, set)
	if err == nil {
		err = keyName(set, t.PrimaryKey, prop)
	}
	if err != nil {
		return t, err
	}
	return t, checkKey(set, id)
}

// checkKeyName refuses a key's property (prop, "" when not named) that is
// not the key of set's table.
func (s *Server) checkKeyName(r *http.Request, set, prop string) error {
	if prop == "" {
		return nil
	}
	if isProcessSet(set) {
		return keyName(set, processTables[set].PrimaryKey, prop)
	}
	t, err := s.tableOf(r, set)
	if err != nil {
		return err
	}
	return keyName(set, t.PrimaryKey, prop)
}

// keyName refuses prop, a key's property the path named, unless it is
// the table's key pk: bpfc keys a row by its id only (Dataverse's
// alternate keys, such as an account number, are not bpfc's).
func keyName(set, pk, prop string) error {
	if prop == "" || prop == pk {
		return nil
	}
	return badRequest("%s(%s=…): a row is keyed by its id, %s — %s(<id>) or %s(%s=<id>); bpfc has no alternate keys", set, prop, pk, set, set, pk)
}

// checkKey refuses a row's key that is not a GUID.
func checkKey(set, id string) error {
	if uuid.Validate(id) != nil || len(id) != 36 {
		return badRequest("%s(%s): a row's key is its id, a GUID such as %s(00000000-0000-0000-0000-000000000001)", set, id, set)
	}
	return nil
}

// respond answers a change: 204 with the row's ETag, or the row (read
// again unless given) with status under Prefer: return=representation.
func (s *Server) respond(w http.ResponseWriter, r *http.Request, set, id string, status int, version int64, row store.Row) {
	w.Header().Set("ETag", `W/"`+strconv.FormatInt(version, 10)+`"`)
	w.Header().Set("OData-EntityId", baseURL(r)+set+"("+id+")")
	if !wantsRepresentation(r) {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	// The change is committed: a store that fails the reads of the
	// representation (unreachable, the connection lost) must not answer
	// as if the change had failed, "nothing was changed" with Retry-After
	// that a client follows into a second create. It answers without the
	// representation, as without the preference (no Preference-Applied).
	unread := func(err error) bool {
		if st, _ := classify(err, false); st < http.StatusInternalServerError {
			return false
		}
		s.log.Error("change made, its representation not read", "method", r.Method, "path", r.URL.Path, "err", err.Error())
		w.Header().Del("Preference-Applied")
		w.WriteHeader(http.StatusNoContent)
		return true
	}
	t, err := s.tableOf(r, set)
	if err == nil && row == nil {
		t, row, err = session(r).Row(r.Context(), set, id)
	}
	if err != nil {
		if !unread(err) {
			s.fail(w, r, err)
		}
		return
	}
	cols, _ := selectedColumns(r, t) // checked by post and patch before the change
	body := rowJSON(t, row, cols)
	if err := s.annotateOne(w, r, t, row, body, cols); err != nil {
		if !unread(err) {
			s.fail(w, r, err)
		}
		return
	}
	w.Header().Set("ETag", etag(row))
	w.Header().Set("Preference-Applied", joinPreferences("return=representation", w.Header().Get("Preference-Applied")))
	setContext(w, r, body, "#"+set+selected(r)+"/$entity")
	writeJSON(w, status, body)
}

// oneRow reads what a PATCH or DELETE of one row names: its set, its id
// (a key that is not one row answers 405 with what, "PATCH changes one
// row"), its table and the version If-Match asks for; or answers the
// error, and ok is false.
func (s *Server) oneRow(w http.ResponseWriter, r *http.Request, what string) (set, id string, t store.Table, version int64, ok bool) {
	set, prop, id, ok := namedKey(r.PathValue("seg"))
	if !ok || id == "" {
		s.fail(w, r, errorf(http.StatusMethodNotAllowed, "MethodNotAllowed", "%s: %s(<id>)", what, set))
		return set, id, t, 0, false
	}
	err := writeOptions(r)
	if err == nil {
		t, err = s.keyedTable(r, set, prop, id)
	}
	if err == nil {
		version, err = ifMatch(r, func() (int64, error) {
			_, row, err := session(r).Row(r.Context(), set, id)
			return rowVersion(row), err
		})
	}
	if err == nil {
		err = staleZeroTag(r, t)
	}
	if err != nil {
		s.fail(w, r, err)
		return set, id, t, 0, false
	}
	return set, id, t, version, true
}

// patch updates a record, or moves or ends an instance.
func (s *Server) patch(w http.ResponseWriter, r *http.Request) {
	set, id, t, version, ok := s.oneRow(w, r, "PATCH changes one row")
	if !ok {
		return
	}
	version, err := noneMatch(r, set, id, t, version)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	fields, err := s.writeBody(r, t)
	if err == nil && t.Kind != store.TableInstance {
		fields, err = ownKey(t, set, id, fields)
	}
	var pinned bool
	if err == nil {
		fields, version, pinned, err = s.otherHalves(r, t, set, id, fields, version)
	}
	if pinned {
		// A version bpfc chose, not the client's: a conflict is 409.
		r = r.WithContext(context.WithValue(r.Context(), ownIfMatchKey{}, true))
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if len(fields) == 0 {
		// An empty update, as Dataverse answers it: nothing changes (a
		// missing record is still upserted).
		_, row, err := session(r).Row(r.Context(), set, id)
		if errors.Is(err, engine.ErrNotFound) && t.Kind != store.TableInstance {
			s.upsert(w, r, t, set, id, fields, err)
			return
		}
		if err == nil && version > 0 && rowVersion(row) != version {
			err = &engine.ConflictError{What: t.Name, ID: id, Expected: version, Actual: rowVersion(row)}
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.respond(w, r, set, id, http.StatusOK, rowVersion(row), row)
		return
	}
	var row store.Row
	if t.Kind == store.TableInstance {
		version, err = s.changeInstance(r, t, id, version, fields)
	} else {
		var rec *engine.Record
		rec, err = session(r).UpdateRecord(r.Context(), t.Name, id, values(fields), version)
		if errors.Is(err, engine.ErrNotFound) {
			s.upsert(w, r, t, set, id, fields, err)
			return
		}
		if err == nil {
			version, row = rec.Version, rec.Values
		}
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.respond(w, r, set, id, http.StatusOK, version, row)
}

// noneMatch applies If-None-Match (RFC 9110) to a PATCH or a DELETE: * is
// 412 when the row exists (on a PATCH Dataverse's "create, never
// update"); tags are 412 when the row is at one of them. Otherwise the
// write is made at the version read (when If-Match named none), so that a
// change in between is a conflict, never a write over a version the
// client excluded. A missing record is upserted by a PATCH, and is a
// DELETE's 404.
func noneMatch(r *http.Request, set, id string, t store.Table, version int64) (int64, error) {
	tags, anyTag, err := noneMatchTags(r)
	if err != nil {
		return 0, err
	}
	if !anyTag && len(tags) == 0 {
		return version, nil
	}
	_, row, err := session(r).Row(r.Context(), set, id)
	if errors.Is(err, engine.ErrNotFound) && t.Kind != store.TableInstance {
		return version, nil
	}
	if err != nil {
		return 0, err
	}
	v := rowVersion(row)
	asks, did := "to create only", "changed"
	if r.Method == http.MethodDelete {
		asks, did = "that it not exist", "deleted"
	}
	switch {
	case anyTag:
		return 0, errorf(http.StatusPreconditionFailed, "PreconditionFailed",
			"%s(%s) exists, and If-None-Match: * asks %s: nothing was %s", set, id, asks, did)
	case slices.Contains(tags, v):
		return 0, errorf(http.StatusPreconditionFailed, "PreconditionFailed",
			"%s(%s) is at %s, which If-None-Match names: nothing was %s", set, id, etag(row), did)
	case version == 0:
		version = v
	}
	return version, nil
}

// delete deletes a record (its instances remain) or an instance; a
// matching If-None-Match is 412 (noneMatch).
func (s *Server) delete(w http.ResponseWriter, r *http.Request) {
	set, id, t, version, ok := s.oneRow(w, r, "DELETE removes one row")
	if !ok {
		return
	}
	sess := session(r)
	version, err := noneMatch(r, set, id, t, version)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if t.Kind == store.TableInstance {
		if version, err = sess.InstanceVersion(r.Context(), t.Name, id, version); err == nil {
			err = sess.DeleteInstance(r.Context(), id, engine.MoveOptions{IfVersion: version})
		}
	} else {
		err = sess.DeleteRecordIf(r.Context(), t.Name, id, version)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// writeOptions refuses the query options a write does not apply: it
// answers with the row it wrote ($select choosing the columns under
// Prefer: return=representation) and nothing else; a DELETE with none.
func writeOptions(r *http.Request) error {
	for k := range r.URL.Query() {
		if strings.HasPrefix(k, "$") && (k != "$select" || r.Method == http.MethodDelete) {
			return badRequest("query option %s does not apply to a %s: a write answers with the row it wrote, $select choosing its columns", k, r.Method)
		}
	}
	return nil
}

// ownKey leaves out of a record's PATCH body its primary key when it is
// the URL's row, as Dataverse takes it: the body of an upsert that
// created the row (which may name its id) updates it the next time, where
// the engine refused the key as a column the system sets. Another id is
// 400.
func ownKey(t store.Table, set, id string, fields []field) ([]field, error) {
	for i, f := range fields {
		if f.column != t.PrimaryKey || f.bind != "" {
			continue
		}
		if v, ok := f.value.(string); !ok || engine.CanonicalID(v) != engine.CanonicalID(id) {
			given := "null"
			if f.value != nil {
				given = fmt.Sprint(f.value)
			}
			return nil, badRequest("the body's %s %s is not the row of the URL, %s(%s)", t.PrimaryKey, given, set, id)
		}
		return slices.Delete(slices.Clone(fields), i, i+1), nil
	}
	return fields, nil
}
