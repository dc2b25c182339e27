package workflow

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/deploy"
	"github.com/bpfc/bpfc/runtime/engine"
	"github.com/bpfc/bpfc/runtime/internal/testenv"
	"github.com/bpfc/bpfc/runtime/secret"
	"github.com/bpfc/bpfc/runtime/store"
	"github.com/bpfc/bpfc/runtime/store/postgres/pgtest"
)

const secretHookProject = `
solution "SK" {
  version = "1.0.0.0"
  publisher "p" {
    prefix              = "sk"
    option_value_prefix = 10000
  }
}

environment "dev" {
  managed = false
}

variable "hook" {
  type = "secret"
}

workflow "call" {
  table = "lead"
  step "post" {
    webhook = { url = var.hook }
  }
}

flow "f" {
  primary_table = "lead"
  stage "one" {}
  stage "two" {
    on_enter = [workflow.call]
  }
}
`

// secretHookEnv is a new environment at path (a file in dir, or a
// PostgreSQL URL) beside secretHookProject written to dir, nothing deployed
// yet.
func secretHookEnv(t *testing.T) (dir, path string, p *compiler.Project, s store.Store) {
	t.Helper()
	dir = t.TempDir()
	testenv.Write(t, dir, "project.hcl", secretHookProject)
	p = testenv.Load(t, dir)
	path = filepath.Join(dir, "dev.db")
	if testStore == "postgres" {
		path = pgtest.URL(t)
	}
	s, err := openAt(context.Background(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	return dir, path, p, s
}

// A secret sealed with another key than the worker's (a CI that deployed
// straight to a shared store, a server whose checkout made its own
// .bpfc/secret.key) reads as no value: the job says that the key differs
// and which one to share, where it said only "the url is empty"; with the
// key that sealed it, the webhook is posted.
func TestWebhookSecretSealedWithAnotherKey(t *testing.T) {
	dir, path, p, s := secretHookEnv(t)
	ctx := context.Background()
	h := newHookServer(t, 0)
	// The deploy seals the secret with its own key, as a CI that deploys
	// straight to the store does (creating ci/.bpfc/secret.key).
	deployer := secret.NewKeyring(filepath.Join(dir, "ci"), testenv.NoEnv)
	o := testenv.Options(nil)
	o.Keyring = deployer
	o.Getenv = func(k string) string {
		if k == "BPFC_VAR_HOOK" {
			return h.URL + "/hooks/XOXSECRET"
		}
		return ""
	}
	if _, err := deploy.Import(ctx, deploy.Target{Env: p.Environment("dev"), Store: s}, testenv.FakeBuild(t, p), o); err != nil {
		t.Fatal(err)
	}
	s.Close()

	for _, c := range []struct {
		name string
		kr   *secret.Keyring
		want string
	}{
		{"no key", secret.NewKeyring(filepath.Join(dir, "server"), testenv.NoEnv),
			"the url is empty: secret hook cannot be opened here (reading the secret key: "},
		{"another key", secret.NewKeyring(dir, func(k string) string {
			if k == secret.EnvKey {
				return "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
			}
			return ""
		}), "the url is empty: secret hook cannot be opened here (cannot open the secret: wrong key"},
	} {
		v := openEnv(t, p, path, Options{Keyring: c.kr})
		_, in := v.lead("f", nil)
		if _, err := v.admin().Next(v.ctx, in.ID, engine.MoveOptions{}); err != nil {
			t.Fatal(err)
		}
		ran := v.runDue()
		if len(ran) != 1 || !strings.Contains(ran[0].LastError, c.want) ||
			!strings.Contains(ran[0].LastError, "give every server of the environment, and a CI that deploys straight to its store, the same BPFC_SECRET_KEY") ||
			strings.Contains(ran[0].LastError, "XOXSECRET") {
			t.Errorf("%s: %+v, want %q", c.name, ran, c.want)
		}
	}
	if n := len(h.seen()); n != 0 {
		t.Fatalf("%d webhook calls without the key", n)
	}
	v := openEnv(t, p, path, Options{Keyring: deployer})
	v.clock.Advance(24 * time.Hour) // past the failed attempts' backoff
	if ran := v.runDue(); len(ran) != 2 || ran[0].State != store.JobSucceeded || ran[1].State != store.JobSucceeded {
		t.Errorf("with the key that sealed it: %+v", ran)
	}
	if n := len(h.seen()); n != 2 {
		t.Errorf("%d webhook calls with the key, want 2", n)
	}
}

// Two solutions in one environment may each define a secret of the same
// name: the message for the one a webhook reads is about that solution's
// variable (sk_hook, sealed with another key), not the other's (zz_hook,
// which has no value), where the variable was found by its name alone.
func TestWebhookSecretOfSameNameInAnotherSolution(t *testing.T) {
	dir, path, p, s := secretHookEnv(t)
	deployer := secret.NewKeyring(filepath.Join(dir, "ci"), testenv.NoEnv)
	deploySameNamedHooks(t, dir, p, s, deployer, "http://127.0.0.1:1/hooks/XOXSECRET", "")

	v := openEnv(t, p, path, Options{Keyring: secret.NewKeyring(filepath.Join(dir, "server"), testenv.NoEnv)})
	_, in := v.lead("f", nil)
	if _, err := v.admin().Next(v.ctx, in.ID, engine.MoveOptions{}); err != nil {
		t.Fatal(err)
	}
	want := "the url is empty: secret hook cannot be opened here (reading the secret key: "
	if ran := v.runDue(); len(ran) != 1 || !strings.Contains(ran[0].LastError, want) {
		t.Errorf("%+v, want %q", ran, want)
	}
}

// Two solutions in one environment may each define a variable of one short
// name: each solution's webhook posts to its own solution's value, where
// the values were kept by short name and the last solution's won (a
// secret url sent another solution's request, and its payload, elsewhere).
func TestWebhookReadsItsOwnSolutionsVariable(t *testing.T) {
	dir, path, p, s := secretHookEnv(t)
	mine, theirs := newHookServer(t, 0), newHookServer(t, 0)
	kr := secret.NewKeyring(dir, testenv.NoEnv)
	deploySameNamedHooks(t, dir, p, s, kr, mine.URL+"/hooks/mine", theirs.URL+"/hooks/theirs")

	v := openEnv(t, p, path, Options{Keyring: kr})
	_, in := v.lead("f", nil)
	if _, err := v.admin().Next(v.ctx, in.ID, engine.MoveOptions{}); err != nil {
		t.Fatal(err)
	}
	if ran := v.runDue(); len(ran) != 1 || ran[0].State != store.JobSucceeded {
		t.Fatalf("%+v", ran)
	}
	if len(mine.seen()) != 1 || len(theirs.seen()) != 0 {
		t.Errorf("the webhook posted %d times to its own solution's url and %d to the other's", len(mine.seen()), len(theirs.seen()))
	}
}

// deploySameNamedHooks deploys secretHookProject (p) into s with its
// secret hook set to mine, then solution ZZ, whose optional secret has the
// same short name, set to theirs ("" for none); both sealed with kr, and s
// closed.
func deploySameNamedHooks(t *testing.T, dir string, p *compiler.Project, s store.Store, kr *secret.Keyring, mine, theirs string) {
	t.Helper()
	ctx := context.Background()
	hook := func(url string) func(string) string {
		return func(k string) string {
			if k == "BPFC_VAR_HOOK" {
				return url
			}
			return ""
		}
	}
	o := testenv.Options(nil)
	o.Keyring = kr
	o.Getenv = hook(mine)
	if _, err := deploy.Import(ctx, deploy.Target{Env: p.Environment("dev"), Store: s}, testenv.FakeBuild(t, p), o); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(dir, "other")
	if err := os.Mkdir(other, 0o755); err != nil {
		t.Fatal(err)
	}
	testenv.Write(t, other, "project.hcl", `
solution "ZZ" {
  version = "1.0.0.0"
  publisher "z" {
    prefix              = "zz"
    option_value_prefix = 20000
  }
}

environment "dev" {
  managed = false
}

variable "hook" {
  type     = "secret"
  required = false
}
`)
	op := testenv.Load(t, other)
	o.Getenv = hook(theirs)
	if _, err := deploy.Import(ctx, deploy.Target{Env: op.Environment("dev"), Store: s}, testenv.FakeBuild(t, op), o); err != nil {
		t.Fatal(err)
	}
	s.Close()
}
