package workflow

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/runtime/deploy"
	"github.com/bpfc/bpfc/runtime/engine"
	"github.com/bpfc/bpfc/runtime/internal/testenv"
	"github.com/bpfc/bpfc/runtime/store/postgres/pgtest"
)

// An optional secret deployed without a value leaves a webhook's url
// empty: the job says to set the variable by its schema name first
// (BPFC_VAR_SK_HOOK), which no other solution's hook can take, where it
// named only BPFC_VAR_HOOK.
func TestWebhookSecretWithoutValueNamesSchemaVariable(t *testing.T) {
	dir := t.TempDir()
	testenv.Write(t, dir, "project.hcl", strings.Replace(secretHookProject, `type = "secret"`, "type     = \"secret\"\n  required = false", 1))
	p := testenv.Load(t, dir)
	path := filepath.Join(dir, "dev.db")
	if testStore == "postgres" {
		path = pgtest.URL(t)
	}
	ctx := context.Background()
	s, err := openAt(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := deploy.Import(ctx, deploy.Target{Env: p.Environment("dev"), Store: s}, testenv.FakeBuild(t, p), testenv.Options(nil)); err != nil {
		t.Fatal(err)
	}
	s.Close()

	v := openEnv(t, p, path, Options{})
	_, in := v.lead("f", nil)
	if _, err := v.admin().Next(v.ctx, in.ID, engine.MoveOptions{}); err != nil {
		t.Fatal(err)
	}
	want := "the url is empty: secret hook has no value in this environment: set BPFC_VAR_SK_HOOK (or BPFC_VAR_HOOK) where bpfc deploy runs"
	if ran := v.runDue(); len(ran) != 1 || !strings.HasSuffix(ran[0].LastError, want) {
		t.Errorf("%+v, want %q", ran, want)
	}
}
