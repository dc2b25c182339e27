package webapi

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/runtime/engine"
)

// roundTripFunc is an http.RoundTripper of a function.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestClientCreateRecordFlowNone: a flow named none is not what the
// server reads in BPFC-Flow (there, none starts no flow): the client
// refuses it, as a local create finds no flow "none", and posts nothing,
// where it created the record with no flow started.
func TestClientCreateRecordFlowNone(t *testing.T) {
	var posted []string
	c := &Client{URL: "http://127.0.0.1:49001", Env: "shared", HTTP: &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		posted = append(posted, r.Method+" "+r.URL.Path+" BPFC-Flow: "+r.Header.Get("BPFC-Flow"))
		if r.Method == http.MethodGet {
			body := `{"value":[{"LogicalName":"lead","EntitySetName":"leads","PrimaryIdAttribute":"leadid","Attributes":[]}]}`
			return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(strings.NewReader(body)), Request: r}, nil
		}
		h := http.Header{"Odata-Entityid": {"http://127.0.0.1:49001/api/data/v9.2/leads(5f3e0a1b-0000-4000-8000-000000000001)"}}
		return &http.Response{StatusCode: 204, Header: h, Body: io.NopCloser(strings.NewReader("")), Request: r}, nil
	})}}
	_, err := c.CreateRecord(context.Background(), "lead", engine.Values{"subject": "x"}, engine.StartOptions{Flow: "none"})
	if !errors.Is(err, engine.ErrNotFound) || !strings.Contains(err.Error(), `"none"`) {
		t.Errorf("CreateRecord with flow none: %v, want not found", err)
	}
	for _, p := range posted {
		if strings.HasPrefix(p, "POST") {
			t.Errorf("CreateRecord with flow none posted %s", p)
		}
	}
}
