package webapi

import (
	"context"
	"net"
	"net/http"
	"time"
)

// sslRequest is the message a PostgreSQL client opens with to ask for TLS:
// length 8, code 80877103. A PostgreSQL server answers it with one byte,
// 'S' or 'N'; an HTTP server waits for a request line.
var sslRequest = []byte{0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f}

// postgresAt reports whether the host and port req went to, directly (no
// proxy), answer as a PostgreSQL server: asked after a request whose
// connection was closed with no answer, which PostgreSQL does to HTTP and
// a bpfc serve killed after its commit does too. Only PostgreSQL answers
// this probe so; anything else (no answer within a second, a refusal)
// leaves the lost answer as uncertain as it was.
func postgresAt(ctx context.Context, req *http.Request) bool {
	if p, err := http.ProxyFromEnvironment(req); err != nil || p != nil {
		return false
	}
	host := req.URL.Host
	if req.URL.Port() == "" {
		host = net.JoinHostPort(req.URL.Hostname(), "80")
	}
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", host)
	if err != nil {
		return false
	}
	defer conn.Close()
	deadline, _ := ctx.Deadline()
	_ = conn.SetDeadline(deadline)
	if _, err := conn.Write(sslRequest); err != nil {
		return false
	}
	var b [2]byte
	n, _ := conn.Read(b[:])
	return n == 1 && (b[0] == 'S' || b[0] == 'N')
}
