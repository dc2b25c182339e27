package webapi

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/runtime/deploy"
	"github.com/bpfc/bpfc/runtime/internal/testenv"
)

// TestRemoteImportShadowNote: a deploy to a remote environment whose
// process gives a variable two different values (BPFC_VAR_<SCHEMANAME> and
// BPFC_VAR_<NAME>) says which is taken in its plan and result, as a local
// deploy does; the server is sent one value and cannot tell.
func TestRemoteImportShadowNote(t *testing.T) {
	f := serve(t, fixtureOptions{})
	ctx := context.Background()
	next := filepath.Join(t.TempDir(), "next")
	if err := os.CopyFS(next, os.DirFS(f.p.Dir)); err != nil {
		t.Fatal(err)
	}
	os.RemoveAll(filepath.Join(next, ".bpfc"))
	hcl, err := os.ReadFile(filepath.Join(next, "bpfc.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	testenv.Write(t, next, "bpfc.hcl", strings.Replace(string(hcl), `version      = "1.0.0.0"`, `version      = "1.1.0.0"`, 1)+`
environment "remote" {
  url = "`+f.url+`"
}
`)
	p := testenv.Load(t, next)
	b := build(t, p)
	getenv := func(k string) string {
		return map[string]string{"BPFC_VAR_CTS_DEAL_DESK_MAILBOX": "schema@contoso.example", "BPFC_VAR_DEAL_DESK_MAILBOX": "short@contoso.example"}[k]
	}
	note := "BPFC_VAR_CTS_DEAL_DESK_MAILBOX and BPFC_VAR_DEAL_DESK_MAILBOX give deal_desk_mailbox different values"
	has := func(notes []string) bool {
		return slices.ContainsFunc(notes, func(n string) bool { return strings.HasPrefix(n, note) })
	}
	rs := Remotes{Token: func(string) (string, error) { return f.admin, nil }}
	o := deploy.Options{Mode: deploy.Upgrade, Getenv: getenv}
	pl, err := rs.Plan(ctx, p.Environment("remote"), b, o)
	if err != nil || !has(pl.Notes) {
		t.Errorf("remote plan: %v, notes %q, want one starting %q", err, pl.Notes, note)
	}
	res, err := rs.Import(ctx, p.Environment("remote"), b, o)
	if err != nil || res.Result != deploy.Applied || !has(res.Notes) {
		t.Fatalf("remote import: %v %+v, want a note starting %q", err, res, note)
	}
}
