package webapi

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/runtime/deploy"
	"github.com/bpfc/bpfc/runtime/internal/testenv"
	"github.com/bpfc/bpfc/runtime/store"
)

// TestRemoteImportValues: a deploy to a remote environment sends the values
// the deploying project gives it — its environment block's, BPFC_VAR_<NAME>
// where the deploy runs, a settings file — and a secret's value apart; the
// server stores them as its own (the secret sealed), where they were
// silently its own project's before.
func TestRemoteImportValues(t *testing.T) {
	// The server's own BPFC_VAR_<NAME> comes after what the deploy sends.
	f := serve(t, fixtureOptions{getenv: func(k string) string {
		return map[string]string{"BPFC_VAR_APPROVAL_THRESHOLD": "10"}[k]
	}})
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
  url    = "`+f.url+`"
  values = { approval_threshold = 123, deal_desk_mailbox = "block@contoso.example" }
}
variable "api_key" {
  type = "secret"
}
`)
	p := testenv.Load(t, next)
	b := build(t, p)
	getenv := func(k string) string {
		return map[string]string{"BPFC_VAR_API_KEY": "k3y-from-ci", "BPFC_VAR_DEAL_DESK_MAILBOX": "ci@contoso.example"}[k]
	}
	rs := Remotes{Token: func(string) (string, error) { return f.admin, nil }}
	res, err := rs.Import(ctx, p.Environment("remote"), b, deploy.Options{Mode: deploy.Upgrade, Getenv: getenv,
		Settings: map[string]string{"cts_service_desk_mailbox": "file@contoso.example"}})
	if err != nil || res.Result != deploy.Applied {
		t.Fatalf("import: %v %+v", err, res)
	}
	got := map[string]store.VariableValue{}
	if err := f.s.Read(ctx, func(tx store.Tx) error {
		for _, n := range []string{"cts_approval_threshold", "cts_deal_desk_mailbox", "cts_service_desk_mailbox", "cts_api_key"} {
			v, err := tx.VariableValue(n)
			if err != nil {
				return err
			}
			got[n] = v
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if got["cts_approval_threshold"].Value != "123" || got["cts_deal_desk_mailbox"].Value != "ci@contoso.example" ||
		got["cts_service_desk_mailbox"].Value != "file@contoso.example" {
		t.Errorf("values: %+v", got)
	}
	if k := got["cts_api_key"]; len(k.Sealed) == 0 || k.Value != "" {
		t.Errorf("the secret is not sealed: %+v", k)
	}

	// A value the block no longer gives is what the server would give
	// without it (here its own BPFC_VAR_<NAME>), as in a local deploy: it
	// stayed, sent as if from a settings file.
	hcl2, err := os.ReadFile(filepath.Join(next, "bpfc.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	testenv.Write(t, next, "bpfc.hcl", strings.NewReplacer(`version      = "1.1.0.0"`, `version      = "1.1.0.1"`,
		`values = { approval_threshold = 123, deal_desk_mailbox = "block@contoso.example" }`, `values = { deal_desk_mailbox = "block@contoso.example" }`).Replace(string(hcl2)))
	p = testenv.Load(t, next)
	if res, err := rs.Import(ctx, p.Environment("remote"), build(t, p), deploy.Options{Mode: deploy.Upgrade, Getenv: getenv}); err != nil || res.Result != deploy.Applied {
		t.Fatalf("second import: %v %+v", err, res)
	}
	if err := f.s.Read(ctx, func(tx store.Tx) error {
		if v, err := tx.VariableValue("cts_approval_threshold"); err != nil || v.Value != "10" || v.Source != deploy.SourceProcess {
			t.Errorf("the value the block no longer gives: %+v %v; want the server's BPFC_VAR_APPROVAL_THRESHOLD", v, err)
		}
		if v, err := tx.VariableValue("cts_service_desk_mailbox"); err != nil || v.Value != "file@contoso.example" {
			t.Errorf("the settings file's value was not kept: %+v %v", v, err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	// A secret never goes over plain http to another machine.
	far := &Client{URL: "http://192.0.2.1:8080", Token: f.admin}
	if _, err := far.importAs(ctx, "", b, false, deploy.Upgrade, deploy.SentValues{Secrets: map[string]string{"cts_api_key": "x"}}, ""); err == nil ||
		!strings.Contains(err.Error(), "will not send the value of secret api_key to http://192.0.2.1:8080 over plain http: give the environment an https url, or set BPFC_VAR_CTS_API_KEY (or BPFC_VAR_API_KEY) where bpfc serve runs") {
		t.Errorf("plain http: %v", err)
	}
	for u, want := range map[string]bool{"https://bpfc.example": true, "http://localhost:8080": true, "http://[::1]:1": true,
		"http://127.0.0.1:1": true, "http://bpfc.example": false, "http://10.0.0.11:8080": false} {
		if got := (&Client{URL: u}).private(); got != want {
			t.Errorf("private(%s) = %v", u, got)
		}
	}
	// A secret the build has not is refused.
	if _, err := deploy.SecretsGetenv(p, map[string]string{"cts_approval_threshold": "x"}, nil); err == nil {
		t.Error("a value that is no secret's was taken as one")
	}
}

// TestOlderServerValues: a server of an older bpfc refuses the member
// EnvironmentValues (its decoder takes no unknown member); the client then
// sends the block's values as settings, as that server takes them.
func TestOlderServerValues(t *testing.T) {
	var bodies []map[string]any
	older := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		json.NewDecoder(r.Body).Decode(&body)
		bodies = append(bodies, body)
		if _, ok := body["EnvironmentValues"]; ok {
			writeError(w, http.StatusBadRequest, "BadRequest", `the body is not an ImportSolution request: json: unknown field "EnvironmentValues"`)
			return
		}
		writeError(w, http.StatusServiceUnavailable, "Busy", "busy")
	}))
	defer older.Close()
	p := project(t, "sales")
	c := &Client{URL: older.URL + Prefix, Token: "t"}
	_, err := c.importAs(context.Background(), "", build(t, p), false, deploy.Upgrade,
		deploy.SentValues{Settings: map[string]string{"a": "file"}, Environment: map[string]string{"a": "block", "b": "block"}}, "")
	if err == nil || len(bodies) != 2 {
		t.Fatalf("%d requests, %v", len(bodies), err)
	}
	settings, _ := bodies[1]["Settings"].(map[string]any)
	if _, again := bodies[1]["EnvironmentValues"]; again || settings["a"] != "file" || settings["b"] != "block" {
		t.Errorf("the second request: Settings %v, EnvironmentValues sent again: %v", settings, again)
	}
}
