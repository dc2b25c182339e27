package webapi

import (
	"bytes"
	"io"
	"net/http"
	"testing"
	"time"
)

// BenchmarkPatchMove: one PATCH of activestageid with If-Match, forth and
// back, through the server's handler on a real store: what a move costs
// the Web API around the engine (HTTP parsing and answering aside).
func BenchmarkPatchMove(b *testing.B) {
	f := serve(b, fixtureOptions{})
	inst, ids := f.leadInstance(map[string]any{"lastname": "Jones", "subject": "Scanners", "companyname": "Contoso"})
	path := f.url + Prefix + "cts_leadtoopportunities(" + inst + ")"
	bodies := [][]byte{[]byte(`{"activestageid@odata.bind": "/processstages(` + ids["develop"] + `)"}`),
		[]byte(`{"activestageid@odata.bind": "/processstages(` + ids["qualify"] + `)"}`)}
	benchMoves(b, f, path, bodies, `W/"1"`)
}

// BenchmarkPatchMoveWithinTable: BenchmarkPatchMove between two stages on
// the same table (phone to case, research and resolve), as bpfc-bench
// moves: on PostgreSQL (BPFC_TEST_STORE=postgres) the one-shot path. The
// token's user is cached as bpfc serve's default caches it, so the store
// is not asked for it per move.
func BenchmarkPatchMoveWithinTable(b *testing.B) {
	f := serve(b, fixtureOptions{ttl: time.Hour})
	acct := f.create("accounts", map[string]any{"name": "Contoso"})
	f.create("incidents", map[string]any{"title": "Printer on fire", "customerid@odata.bind": "/accounts(" + acct + ")"})
	inst := f.do("GET", "cts_phonetocases", f.admin, nil).must(b, 200).rows()[0]["businessprocessflowinstanceid"].(string)
	ids, _ := f.stageIDs(inst)
	path := f.url + Prefix + "cts_phonetocases(" + inst + ")"
	r := f.do("PATCH", "cts_phonetocases("+inst+")", f.admin, moveTo(ids["research"])).must(b, http.StatusNoContent)
	bodies := [][]byte{[]byte(`{"activestageid@odata.bind": "/processstages(` + ids["resolve"] + `)"}`),
		[]byte(`{"activestageid@odata.bind": "/processstages(` + ids["research"] + `)"}`)}
	benchMoves(b, f, path, bodies, r.header.Get("ETag"))
}

// benchMoves sends b.N PATCHes of path through f's handler, bodies in turn,
// each with the ETag the one before answered.
func benchMoves(b *testing.B, f *fixture, path string, bodies [][]byte, etag string) {
	h := f.srv.Handler()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		req, _ := http.NewRequest("PATCH", path, bytes.NewReader(bodies[i%2]))
		req.Header.Set("Authorization", "Bearer "+f.admin)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("If-Match", etag)
		w := &recorder{h: http.Header{}}
		h.ServeHTTP(w, req)
		if w.status != http.StatusNoContent {
			b.Fatalf("move %d: %d", i, w.status)
		}
		etag = w.h.Get("ETag")
	}
}

// recorder is the least http.ResponseWriter.
type recorder struct {
	h      http.Header
	status int
}

func (r *recorder) Header() http.Header { return r.h }
func (r *recorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return io.Discard.Write(p)
}
func (r *recorder) WriteHeader(s int) { r.status = s }
