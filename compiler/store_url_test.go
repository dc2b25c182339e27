package compiler_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/compiler"
	"github.com/hashicorp/hcl/v2"
)

// storeDiags are the diagnostics validate gives an environment whose store
// is store, one line each (severity, position, summary, detail).
func storeDiags(t *testing.T, store string) []string {
	t.Helper()
	src := "environment \"pg\" {\n  store = \"" + store + "\"\n}\n"
	_, diags := compiler.LoadSources(map[string][]byte{"env.hcl": []byte(src), "sol.hcl": []byte(baseSolution)})
	var lines []string
	for _, d := range diags {
		pos := "-"
		if d.Subject != nil {
			pos = fmt.Sprintf("%s:%d:%d", d.Subject.Filename, d.Subject.Start.Line, d.Subject.Start.Column)
		}
		sev := "warning"
		if d.Severity == hcl.DiagError {
			sev = "error"
		}
		lines = append(lines, fmt.Sprintf("%s %s %s: %s", sev, pos, d.Summary, d.Detail))
	}
	return lines
}

// TestStoreHostPortLists: a store URL whose host and port lists the driver
// (pgx) cannot match, or which names an empty host or a number where a
// host goes, is refused at validate with an error on the store's value
// that says what to write, and quotes no password.
func TestStoreHostPortLists(t *testing.T) {
	for _, c := range []struct {
		store string
		want  []string // what the detail says
	}{
		// A port list longer or shorter than the host list.
		{"postgres://h1,h2/db?port=1,2,3", []string{"3 ports", "2 hosts", "port=", "postgres://h1:5432,h2:5433/db"}},
		{"postgres://h1,h2,h3/db?port=5432,5433", []string{"2 ports", "3 hosts"}},
		{"postgres://h1:5432,h2:5433/db?host=a", []string{"2 ports", "1 host", "host="}},
		{"postgres://h1,h2%2Ch3/db", []string{"2 ports", "3 hosts"}},
		{"postgres:///db?port=5432,5433", []string{"2 ports", "names no host"}},
		{"postgres:///db?service=&port=5432,5433", []string{"2 ports", "names no host"}},
		{"postgres://h1,h2/db?service=prod&port=1,2,3", []string{"3 ports", "2 hosts"}},
		{"postgres://u:hunter2@h1,h2/db?port=1,2,3", []string{"3 ports", "2 hosts"}},
		// Ports listed after the hosts read as hosts named by a number.
		{"postgres://a,b:5432,5433,5434/db", []string{"a number", "postgres://h1:5432,h2:5433/db"}},
		{"postgres://5432/db", []string{"a number"}},
		{"postgres://h/db?host=h1,5433", []string{"a number", "host="}},
		// Empty host entries.
		{"postgres://,/db", []string{"empty", "entries 1 and 2"}},
		{"postgres://a,,b/db", []string{"empty", "entry 2 of 3", "extra ','"}},
		{"postgres://a,b,/db", []string{"empty", "entry 3 of 3"}},
		{"postgres://,a:5433/db", []string{"empty", "entry 1 of 2"}},
		{"postgres://u:hunter2@a,,b/db", []string{"empty"}},
		{"postgres://h/db?host=a,,b", []string{"empty", "host="}},
		{"postgres://h/db?host=", []string{"host= is empty", "leave host= out"}},
		{"postgres://h/db?host=%20", []string{"host= is empty"}},
		// Ports out of range or no number, alone or in a list.
		{"postgres://h:0/db", []string{`port "0"`, "1 to 65535"}},
		{"postgres://h:70000/db", []string{`port "70000"`}},
		{"postgres://h1:5432,h2:0/db", []string{`port "0"`}},
		{"postgres://h1:5432,h2:70000/db", []string{`port "70000"`}},
		{"postgres://h1,h2/db?port=5432,0", []string{`port "0"`}},
		{"postgres://h1,h2/db?port=5432,70000", []string{`port "70000"`}},
		{"postgres://h1,h2/db?port=5432,x", []string{"not a port number"}},
		{"postgres://h1:5432,h2:x/db", []string{"not a port number"}},
		{"postgres://h:+5432/db", []string{"not a port number"}},
		{"postgres://h/db?port=%205432", []string{"not a port number"}},
		{"postgres://h/db?port=-1", []string{"not a port number"}},
		// A password with a '/' (and digits after a ':') is read as a port:
		// not quoted.
		{"postgres://u:99999/x@h/db", []string{"out of range", "%2F"}},
		// ... and one whose start reads as a host and a port that is one
		// would connect to that host, the rest of the password the database.
		{"postgres://u:5432/x@h/db", []string{"'@' in its database name", "%2F"}},
		{"postgres://u:/5432x@h/db", []string{"'@' in its database name", "%2F"}},
		{"postgresql://u:5432/x@h1,h2/db?sslmode=require", []string{"'@' in its database name", "%2F"}},
	} {
		var errs []string
		for _, line := range storeDiags(t, c.store) {
			if strings.Contains(line, "hunter2") || strings.Contains(line, "99999") {
				t.Errorf("%s: a diagnostic quotes the password: %s", c.store, line)
			}
			if strings.HasPrefix(line, "error ") {
				errs = append(errs, line)
			}
		}
		if len(errs) != 1 || !strings.HasPrefix(errs[0], "error env.hcl:2:11 Invalid store: ") {
			t.Errorf("%s: want one Invalid store error on the store's value (env.hcl:2:11), got %q", c.store, errs)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(errs[0], w) {
				t.Errorf("%s: the error does not say %q: %s", c.store, w, errs[0])
			}
		}
	}
}

// TestStoreHostPortListsAccepted: host and port lists the driver matches
// (one port for all hosts, one per host, an empty entry for the default
// port, a socket directory, no host at all) validate.
func TestStoreHostPortListsAccepted(t *testing.T) {
	for _, store := range []string{
		"postgres://h/db",
		"postgres://h:5432/db",
		"postgres://h1:5432,h2/db",
		"postgres://h1:5432,h2:5433/db",
		"postgres://h1,h2/db?port=5432",
		"postgres://h1,h2/db?port=5432,5433",
		"postgres://h1,h2/db?port=5432,",
		"postgres://h/db?port=",
		"postgres://h/db?host=a,b&port=5432,5433",
		"postgres://[::1]:5432,[::2]/db",
		"postgres://10.0.0.1,10.0.0.2:5433/db",
		"postgres:///db",
		"postgres://:5433/db",
		"postgres:///db?port=5433",
		// A service's entry may name the hosts the ports go with.
		"postgres:///db?service=prod&port=5432,5433",
		"postgresql://%2Fvar%2Frun%2Fpostgresql/db",
		"postgresql://%2Fvar%2Frun%2Fpostgresql,db.internal/db",
		"postgres://h:%35432/db",
		"postgres://h:65535/db",
		"postgres://h/db%40x",
		"postgres://u:p@h/db@x",
		"postgres://h/db?application_name=me@host",
	} {
		for _, line := range storeDiags(t, store) {
			if strings.HasPrefix(line, "error ") {
				t.Errorf("%s: want it valid, got %s", store, line)
			}
		}
	}
}

// TestStoreVerdictIgnoresMachine: validate's verdict on a store URL does
// not depend on where it runs: PG* environment variables (a host or port
// list, a service that is not there, an sslmode no client takes) and the
// files of the home directory (~/.postgresql's certificates, the service
// file, ~/.pgpass) change no diagnostic.
func TestStoreVerdictIgnoresMachine(t *testing.T) {
	stores := []string{
		"postgres://h/db", "postgres://", "postgres:///", "postgres://:@/?", "postgres://h", "postgres:///db?sslmode=verify-full",
		"postgres://h1,h2/db", "postgres://h1:5432,h2/db", "postgres:///db?port=5432", "postgres://:5433/db", "postgres://h1,h2/db?port=1,2,3",
		"postgres://h/db?service=nothere", "postgres://h/db?sslcert=%2Fnothere", "postgres://,/db", "postgres://h/db?host=",
		"postgres://h:0/db", "postgres://h/db?port=x", "postgres://a,b:5432,5433,5434/db", "postgres://u:p%zz@h/db", "postgres://h/db?ssl=true",
	}
	clean := func() {
		for _, kv := range os.Environ() {
			if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "PG") {
				t.Setenv(name, "")
				os.Unsetenv(name)
			}
		}
	}
	clean()
	t.Setenv("HOME", t.TempDir())
	want := map[string][]string{}
	for _, s := range stores {
		want[s] = storeDiags(t, s)
	}

	home := t.TempDir()
	if err := os.MkdirAll(filepath.Join(home, ".postgresql"), 0o700); err != nil {
		t.Fatal(err)
	}
	for name, text := range map[string]string{
		".postgresql/postgresql.crt": "not a certificate", ".postgresql/postgresql.key": "not a key", ".postgresql/root.crt": "not a certificate",
		".pg_service.conf": "[broken\nhost=", ".pgpass": "*:*:*:*:x",
	} {
		if err := os.WriteFile(filepath.Join(home, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("HOME", home)
	for name, value := range map[string]string{
		"PGHOST": ",,x", "PGPORT": "1,2,nonsense", "PGSERVICE": "nonsense", "PGSERVICEFILE": filepath.Join(home, "nothere"),
		"PGSSLMODE": "nonsense", "PGCONNECT_TIMEOUT": "nonsense", "PGDATABASE": "other", "PGSSLCERTMODE": "nonsense", "PGTARGETSESSIONATTRS": "nonsense",
	} {
		t.Setenv(name, value)
	}
	for _, s := range stores {
		if got := storeDiags(t, s); strings.Join(got, "\n") != strings.Join(want[s], "\n") {
			t.Errorf("%s: with PG* variables and files of the home directory set, validate says\n%s\nwithout them\n%s", s, strings.Join(got, "\n"), strings.Join(want[s], "\n"))
		}
	}
}
