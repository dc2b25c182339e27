package webapi

import (
	"bytes"
	"io"
	"net/http"
	"testing"
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
	etag := `W/"1"`
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
