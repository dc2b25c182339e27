package compiler_test

import (
	"strings"
	"testing"

	"github.com/bpfc/bpfc/compiler"
	"github.com/hashicorp/hcl/v2"
)

// TestStorePasswordWarningHidesIt: the warning that a store URL holds a
// password says so with the store attribute's range and never quotes the
// password, wherever the URL holds it.
func TestStorePasswordWarningHidesIt(t *testing.T) {
	for _, store := range []string{
		"postgres://postgres:hunter2@db:5432/bpfc",
		"postgresql://postgres@db:5432/bpfc?password=hunter2",
		"postgres://postgres:hunter2@db:5432/bpfc?password=hunter2&sslmode=disable",
	} {
		src := "environment \"pg\" {\n  store = \"" + store + "\"\n}\n"
		_, diags := compiler.LoadSources(map[string][]byte{"env.hcl": []byte(src), "sol.hcl": []byte(baseSolution)})
		var found *hcl.Diagnostic
		for _, d := range diags {
			if strings.Contains(d.Summary+d.Detail, "hunter2") {
				t.Errorf("%s: the diagnostic quotes the password: %s: %s", store, d.Summary, d.Detail)
			}
			if d.Summary == "Password in the store URL" {
				found = d
			}
		}
		if found == nil || found.Severity != hcl.DiagWarning || found.Subject == nil || found.Subject.Start.Line != 2 || found.Subject.Start.Column != 11 {
			t.Errorf("%s: want a warning on the store's value (line 2, column 11), got %v", store, diags)
		}
	}
}

// TestStoreParseProblemHidesPassword: a URL that does not parse and holds
// a password with a '/' (which ends pgx's search for it) is refused
// without quoting any of the password.
func TestStoreParseProblemHidesPassword(t *testing.T) {
	for _, store := range []string{
		"postgres://u:pa/ss%zz@h/db",
		"postgresql://u:sec/ret@h%zz/db",
	} {
		src := "environment \"pg\" {\n  store = \"" + store + "\"\n}\n"
		_, diags := compiler.LoadSources(map[string][]byte{"env.hcl": []byte(src), "sol.hcl": []byte(baseSolution)})
		refused := false
		for _, d := range diags {
			for _, part := range []string{"ss%zz", "pa/ss", "ret@", "sec/ret"} {
				if strings.Contains(d.Summary+d.Detail, part) {
					t.Errorf("%s: the diagnostic quotes the password (%q): %s: %s", store, part, d.Summary, d.Detail)
				}
			}
			if d.Summary == "Invalid store" && strings.Contains(d.Detail, "PGPASSWORD") {
				refused = true
			}
		}
		if !refused {
			t.Errorf("%s: want Invalid store saying how to write the password, got %v", store, diags)
		}
	}
}

// TestStorePasswordWithAtHidden: a password with an unencoded '@' (which
// the driver's first '@' cuts, taking the rest for a host) is refused, and
// neither the error nor the warning's suggestion quotes the rest of it.
func TestStorePasswordWithAtHidden(t *testing.T) {
	for store, bare := range map[string]string{
		"postgres://u:se@cret@h:5432/db":        "postgres://u@h:5432/db",
		"postgres://u:se@cr:et@h/db":            "postgres://u@h/db",
		"postgresql://u:se@cr,et@h1,h2:5433/db": "postgresql://u@h1,h2:5433/db",
	} {
		src := "environment \"pg\" {\n  store = \"" + store + "\"\n}\n"
		_, diags := compiler.LoadSources(map[string][]byte{"env.hcl": []byte(src), "sol.hcl": []byte(baseSolution)})
		refused, suggested := false, false
		for _, d := range diags {
			for _, part := range []string{"cret", "cr:et", "cr,et"} {
				if strings.Contains(d.Summary+d.Detail, part) {
					t.Errorf("%s: the diagnostic quotes the password (%q): %s: %s", store, part, d.Summary, d.Detail)
				}
			}
			refused = refused || d.Summary == "Invalid store" && strings.Contains(d.Detail, "%40")
			suggested = suggested || d.Summary == "Password in the store URL" && strings.Contains(d.Detail, `"`+bare+`"`)
		}
		if !refused || !suggested {
			t.Errorf("%s: want Invalid store saying to write '@' as %%40 and a warning suggesting %s, got %v", store, bare, diags)
		}
	}
}
