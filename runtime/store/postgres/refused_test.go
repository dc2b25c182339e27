package postgres

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/bpfc/bpfc/runtime/store"
	"github.com/bpfc/bpfc/runtime/store/postgres/pgtest"
)

// TestConnectRefused: a connection the server refuses for what the store
// URL asks (no such role, no such database, a role without CONNECT, a
// setting it does not know, TLS it does not take) is refused, not
// unreachable: trying again fails the same way, where the Web API said
// "try again" (503) and a deploy through it "busy". What a later try may
// get through stays unreachable: nothing listening, a role at its
// connection limit (53300), and an address list of which one is down.
func TestConnectRefused(t *testing.T) {
	base := pgtest.URL(t)
	ctx := context.Background()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	dbName := strings.TrimPrefix(u.Path, "/")
	roles := pgtest.Roles(t, base, map[string]string{"noconnect": "LOGIN", "full": "LOGIN CONNECTION LIMIT 0"}, "full")
	pgtest.RevokePublicConnect(t, base)
	noConnect, full := roles["noconnect"], roles["full"]
	with := func(edit func(u *url.URL)) string {
		c := *u
		c.RawQuery = "sslmode=disable&connect_timeout=5"
		edit(&c)
		return c.String()
	}
	tlsless := fakeServer(t, func(c net.Conn) { // as a server with ssl = off answers SSLRequest
		var req [8]byte
		if _, err := io.ReadFull(c, req[:]); err == nil {
			c.Write([]byte("N"))
		}
		c.Close()
	})
	untrusted := fakeServer(t, func(c net.Conn) { // TLS with a certificate no authority signed
		var req [8]byte
		if _, err := io.ReadFull(c, req[:]); err == nil {
			c.Write([]byte("S"))
			tls.Server(c, &tls.Config{Certificates: []tls.Certificate{selfSigned(t)}}).Handshake()
		}
		c.Close()
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close() // nothing listens there now

	// said is what the error must say: the SQLSTATE the case names, or
	// its own words.
	said := func(what string) string {
		if i := strings.Index(what, "("); i >= 0 {
			return "SQLSTATE " + strings.TrimSuffix(what[i+1:], ")")
		}
		return map[string]string{"no TLS for sslmode=require": "server refused TLS connection",
			"untrusted certificate": "certificate signed by unknown authority", "nothing listening": "connection refused",
			"one address down, one role": "28000"}[what]
	}
	refused := map[string]string{
		"no such role (28000)":     with(func(u *url.URL) { u.User = url.User(dbName + "_no_such_role") }),
		"no such database (3D000)": with(func(u *url.URL) { u.Path = "/" + dbName + "_no_such_db" }),
		"no CONNECT (42501)":       with(func(u *url.URL) { u.User = url.User(noConnect) }),
		"unknown setting (42704)":  with(func(u *url.URL) { u.RawQuery += "&bpfc_no_such_setting=1" }),
		"bad setting (22023)":      with(func(u *url.URL) { u.RawQuery += "&statement_timeout=soon" }),
		"no TLS for sslmode=require": with(func(u *url.URL) {
			u.Host, u.RawQuery = tlsless, "sslmode=require&connect_timeout=5"
		}),
		"untrusted certificate": with(func(u *url.URL) {
			u.Host, u.RawQuery = untrusted, "sslmode=verify-full&connect_timeout=5"
		}),
	}
	for what, storeURL := range refused {
		_, err := Open(ctx, storeURL, Options{Name: "dev"})
		if err == nil || !store.IsRefused(err) || store.IsUnreachable(err) || store.IsConnectionLost(err) || !strings.Contains(err.Error(), said(what)) {
			t.Errorf("%s: Open: %v (refused %v, unreachable %v)", what, err, store.IsRefused(err), store.IsUnreachable(err))
		}
		_, err = Exists(ctx, storeURL, SchemaFor("dev"))
		if err == nil || !store.IsRefused(err) || store.IsUnreachable(err) {
			t.Errorf("%s: Exists: %v (refused %v, unreachable %v)", what, err, store.IsRefused(err), store.IsUnreachable(err))
		}
	}

	unreachable := map[string]string{
		"nothing listening":          with(func(u *url.URL) { u.Host = closed }),
		"connection limit (53300)":   with(func(u *url.URL) { u.User = url.User(full) }),
		"one address down, one role": with(func(u *url.URL) { u.Host, u.User = closed+","+u.Host, url.User(dbName+"_no_such_role") }),
	}
	for what, storeURL := range unreachable {
		_, err := Open(ctx, storeURL, Options{Name: "dev"})
		if err == nil || store.IsRefused(err) || !store.IsUnreachable(err) || !strings.Contains(err.Error(), said(what)) {
			t.Errorf("%s: Open: %v (refused %v, unreachable %v)", what, err, store.IsRefused(err), store.IsUnreachable(err))
		}
	}
	if err := open(t, base, Options{Name: "dev"}).Read(ctx, func(store.Tx) error { return nil }); err != nil {
		t.Fatal(err)
	}
}

// selfSigned is a certificate for 127.0.0.1 that it signed itself.
func selfSigned(t *testing.T) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// TestConnectRefusedOneAddressOfTheHost: a host name whose first address
// has nothing listening (localhost as ::1, the server on 127.0.0.1 only)
// and whose other address refuses the role is refused: it is the same
// server, which answered. It was unreachable ("try again", a deploy
// through the server busy), as for a list of two hosts of which one is
// down, which stays so.
func TestConnectRefusedOneAddressOfTheHost(t *testing.T) {
	base := pgtest.URL(t)
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	host, port, err := net.SplitHostPort(u.Host)
	if err != nil || net.ParseIP(host) == nil || net.ParseIP(host).To4() == nil {
		t.Fatalf("the test server's host %q is no IPv4 address", u.Host)
	}
	dbName := strings.TrimPrefix(u.Path, "/")
	// Another loopback address, where the server does not listen.
	ip := net.ParseIP(host).To4()
	other := net.IPv4(ip[0], ip[1], ip[2], ip[3]+1).String()
	if c, err := net.Dial("tcp", net.JoinHostPort(other, port)); err == nil {
		c.Close()
		t.Fatalf("something listens at %s:%s", other, port)
	}
	for what, c := range map[string]struct {
		user    string
		refused bool
	}{
		"no such role": {dbName + "_no_such_role", true},
		"signed in":    {"", false}, // the URL's own user
	} {
		s := *u
		s.Host, s.RawQuery = "db.invalid:"+port, "sslmode=disable&connect_timeout=5"
		if c.user != "" {
			s.User = url.User(c.user)
		}
		cfg, err := pgconn.ParseConfig(s.String())
		if err != nil {
			t.Fatal(err)
		}
		cfg.LookupFunc = func(_ context.Context, name string) ([]string, error) {
			if name != "db.invalid" {
				t.Errorf("looked up %q", name)
			}
			return []string{other, host}, nil // the one down first
		}
		conn, err := pgconn.ConnectConfig(context.Background(), cfg)
		if !c.refused {
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			conn.Close(context.Background())
			continue
		}
		if err == nil || !store.IsRefused(err) || store.IsUnreachable(err) || !strings.Contains(err.Error(), "28000") ||
			!strings.Contains(err.Error(), "dial error") {
			t.Errorf("%s, the host's first address down: %v (refused %v, unreachable %v)", what, err, store.IsRefused(err), store.IsUnreachable(err))
		}
	}
}
