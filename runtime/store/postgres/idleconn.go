package postgres

import (
	"context"
	"crypto/tls"
	"net"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/stdlib"
)

// A pooled connection that the server ended while it sat idle (a restart
// or failover, pg_terminate_backend, idle_session_timeout) holds the
// server's last words, a FATAL error, and its end of file, unread: the
// server says nothing on an idle connection otherwise. The driver pings a
// connection before reusing it only when it sat idle for over a second;
// used sooner, the next statement is sent and fails with that FATAL
// error, which cannot tell a statement that never ran from one the server
// ended after it committed. A one-shot write (one statement, committed on
// its own) then answers "may or may not have been written", though it
// was never run. So before a connection is reused, shouldPing looks, without
// sending or waiting, whether anything came on it meanwhile, and then pings
// it: a connection that fails the ping leaves the pool unused and
// database/sql takes another, or a new one. Nothing of the statement was
// sent. What the server sends while the statement is under way is not
// seen here: that still fails it.

// shouldPing is the driver's choice of the connections to ping before
// reuse: those idle for over a second, as by default, and those the
// server spoke on, or closed, since their last use.
func shouldPing(_ context.Context, p stdlib.ShouldPingParams) bool {
	return p.IdleDuration > time.Second || spokeWhileIdle(p.Conn.PgConn().Conn())
}

// spokeWhileIdle tells whether c, idle, has bytes waiting, its end of
// file or an error, by peeking at its socket: one system call, nothing
// read or sent. False where the socket cannot be peeked at.
func spokeWhileIdle(c net.Conn) bool {
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn() // TLS records are bytes waiting too
	}
	sc, ok := c.(syscall.Conn)
	if !ok {
		return false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	spoke := false
	// Control, not Read: it does not wait for a read under way (the
	// driver's background reader may be parked on the socket).
	if err := rc.Control(func(fd uintptr) { spoke = peek(fd) }); err != nil {
		return true
	}
	return spoke
}
