package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"
)

// writerConn is a writer's own kept-alive connection to a server, on which
// it sends its moves one after another and reads each answer in its own
// goroutine: a light client, as pgbench's C client is beside the
// PostgreSQL it measures. net/http's Transport hands each request to two
// goroutines of the connection's and back; measured with the servers as
// processes of their own at 8 writers, this client spent 50–68 µs of CPU
// per move where net/http's spent 82–90, and the servers carried 4–23 %
// more moves. The answers are read by net/http (http.ReadResponse).
type writerConn struct {
	c      net.Conn
	r      *bufio.Reader
	w      *bufio.Writer
	host   string
	prefix string // the Web API's path, /api/data/v9.2/
	auth   string // Bearer <token>
}

// dialWriter opens a writer's connection to the server whose Web API is
// at base (http://127.0.0.1:PORT/api/data/v9.2/).
func dialWriter(ctx context.Context, base, token string) (*writerConn, error) {
	u, err := url.Parse(base)
	if err != nil {
		return nil, err
	}
	c, err := loopbackOnly(ctx, "tcp", u.Host)
	if err != nil {
		return nil, err
	}
	return &writerConn{c: c, r: bufio.NewReader(c), w: bufio.NewWriter(c), host: u.Host, prefix: u.Path,
		auth: "Bearer " + token}, nil
}

// patch sends PATCH path with a JSON body and If-Match, and returns the
// answer's status and ETag. After an error the connection is not usable.
func (wc *writerConn) patch(path string, body []byte, ifMatch string) (int, string, error) {
	if err := wc.c.SetDeadline(time.Now().Add(30 * time.Second)); err != nil {
		return 0, "", err
	}
	fmt.Fprintf(wc.w, "PATCH %s%s HTTP/1.1\r\nHost: %s\r\nAuthorization: %s\r\nContent-Type: application/json\r\nIf-Match: %s\r\nContent-Length: %d\r\n\r\n",
		wc.prefix, path, wc.host, wc.auth, ifMatch, len(body))
	wc.w.Write(body)
	if err := wc.w.Flush(); err != nil {
		return 0, "", err
	}
	resp, err := http.ReadResponse(wc.r, nil)
	if err != nil {
		return 0, "", err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err == nil && resp.Close {
		err = fmt.Errorf("the server closed the connection (%s)", resp.Status)
	}
	return resp.StatusCode, resp.Header.Get("ETag"), err
}

func (wc *writerConn) Close() error { return wc.c.Close() }

// moveBody is the JSON body of a move to stage: move's, encoded.
func moveBody(stage string) []byte {
	b, _ := json.Marshal(move(stage)) // a map of strings always encodes
	return b
}
