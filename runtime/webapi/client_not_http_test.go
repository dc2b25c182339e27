package webapi

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/runtime/deploy"
)

// TestClientAgainstAPortThatIsNotHTTP: an environment's url on a port that
// answers bytes that are no HTTP (another protocol's) says the peer is no
// bpfc serve and, for an import, that nothing was changed there, where it
// said the connection was lost and the change may have been made.
func TestClientAgainstAPortThatIsNotHTTP(t *testing.T) {
	ln := listenTestPort(t)
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				// Read the whole request, then answer as a TLS server does
				// to plain text (an alert) and close.
				if req, err := http.ReadRequest(bufio.NewReader(conn)); err == nil {
					_, _ = io.Copy(io.Discard, req.Body)
				}
				_, _ = conn.Write([]byte("\x15\x03\x01\x00\x02\x02\x46"))
			}()
		}
	}()
	url := "http://" + ln.Addr().String()
	c := &Client{URL: url, Token: "t", Env: "shared"}
	b := &deploy.Build{Digest: "sha256:x", Model: []byte("{}"), Unmanaged: deploy.Archive{Name: "x.zip", Data: []byte("PK")}}
	_, err := c.Import(context.Background(), b, false, deploy.Upgrade, nil, "tester")
	want := url + " (environment shared) answered POST ImportSolution with bytes that are not HTTP (malformed HTTP response \"\\x15\\x03\\x01\\x00\\x02\\x02F\")"
	if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "it is not a bpfc serve") ||
		!strings.Contains(err.Error(), "nothing was changed there") || !strings.Contains(err.Error(), "check the environment's url") ||
		strings.Contains(err.Error(), "may have been made") {
		t.Errorf("an import to a port that is not HTTP: %v", err)
	}
	// A read changes nothing anyway: it says only what the peer is.
	_, err = c.Do(context.Background(), http.MethodGet, "WhoAmI()", nil, nil, nil)
	if err == nil || !strings.Contains(err.Error(), "answered GET WhoAmI() with bytes that are not HTTP") || strings.Contains(err.Error(), "changed") {
		t.Errorf("a read from a port that is not HTTP: %v", err)
	}
}

// listenTestPort listens on the first free one of the loopback ports
// 19560-19569, those the tests may take.
func listenTestPort(t *testing.T) net.Listener {
	t.Helper()
	for port := 19560; port <= 19569; port++ {
		if ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
			t.Cleanup(func() { ln.Close() })
			return ln
		}
	}
	t.Fatal("no free port in 127.0.0.1:19560-19569")
	return nil
}

// TestClientAgainstPostgreSQLsPort: an environment's url on a PostgreSQL
// server's port (which closes the connection on an HTTP request, with no
// answer) says so and that nothing was changed, where it said the change
// may have been made. The listener answers as PostgreSQL does: 'N' to an
// SSL request, nothing to anything else (a startup packet of absurd length).
func TestClientAgainstPostgreSQLsPort(t *testing.T) {
	ln := listenTestPort(t)
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				var first [8]byte
				if _, err := io.ReadFull(conn, first[:]); err != nil || string(first[:]) != string(sslRequest) {
					return
				}
				_, _ = conn.Write([]byte("N"))
				_, _ = io.Copy(io.Discard, conn)
			}()
		}
	}()
	url := "http://" + ln.Addr().String()
	c := &Client{URL: url, Token: "t", Env: "shared"}
	c.HTTP = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}} // one attempt: no replay on a fresh connection
	b := &deploy.Build{Digest: "sha256:x", Model: []byte("{}"), Unmanaged: deploy.Archive{Name: "x.zip", Data: []byte("PK")}}
	_, err := c.Import(context.Background(), b, false, deploy.Upgrade, nil, "tester")
	if err == nil || !strings.Contains(err.Error(), url+" (environment shared) is a PostgreSQL server's port, not a bpfc serve") ||
		!strings.Contains(err.Error(), "on POST ImportSolution without an answer, so nothing was changed there") ||
		!strings.Contains(err.Error(), `store = "postgres://user@host:5432/DATABASE"`) || strings.Contains(err.Error(), "may have been made") {
		t.Errorf("an import to PostgreSQL's port: %v", err)
	}
}
