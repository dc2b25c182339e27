package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/deploy"
	"github.com/bpfc/bpfc/runtime/store"
)

// TestBusyImportResult: an import that gave up waiting for the environment
// is result "busy" under --output json, told apart from a refusal and a
// failure, and its text says that nothing changed and to run it again;
// it exits 1 as every import that did not apply.
func TestBusyImportResult(t *testing.T) {
	busy := fmt.Errorf("%w (database is locked)", store.ErrBusy)
	var out bytes.Buffer
	g := &globals{output: "text", stdout: &out, stderr: &out}
	res := &deploy.Result{Environment: "dev", Solution: "Big", Version: "1.1.0.0", Result: deploy.Busy, Message: busy.Error()}
	err := reportResult(g, nil, deploy.Upgrade, nil, res, busy)
	var ee *exitError
	if !errors.As(err, &ee) || ee.code != 1 || !strings.HasPrefix(ee.msg, "import of Big 1.1.0.0 into dev gave up waiting for the environment, nothing was changed (nor is it in the history): run it again") ||
		strings.Contains(ee.msg, "failed") {
		t.Errorf("busy import: %#v", err)
	}

	// The environment promoted from was held (its store read by the gate):
	// the text names it, not the target.
	out.Reset()
	src := &deploy.SourceBusyError{Source: "test", Err: busy}
	res = &deploy.Result{Environment: "prod", Solution: "Big", Version: "1.1.0.0", Result: deploy.Busy, Message: src.Error()}
	err = reportResult(g, nil, deploy.Upgrade, nil, res, src)
	if !errors.As(err, &ee) || ee.code != 1 ||
		!strings.HasPrefix(ee.msg, "import of Big 1.1.0.0 into prod gave up waiting for test, the environment it promotes from, nothing was changed") {
		t.Errorf("busy source: %#v", err)
	}

	// The store could not even be opened for the wait: no import's result,
	// the document says busy all the same.
	out.Reset()
	g.output = "json"
	err = reportResult(g, &compiler.Environment{Name: "dev"}, deploy.Upgrade, nil, nil, fmt.Errorf("opening dev.db: %w", store.ErrBusy))
	if r := jsonResult(t, out.String()); !errors.As(err, &ee) || ee.code != 1 || r.Result != deploy.Busy {
		t.Errorf("busy opening the store: %v %s", err, out.String())
	}
}

// TestRemoteDeployBusy: a server whose environment stayed busy answers
// ImportSolution 503 Busy with the import's result; deploy through it
// prints result "busy" and exits 1.
func TestRemoteDeployBusy(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusServiceUnavailable)
		_ = json.NewEncoder(w).Encode(map[string]any{
			"error":  map[string]string{"code": "Busy", "message": store.ErrBusy.Error()},
			"result": deploy.Result{Environment: "dev", Solution: "ContosoSales", Version: "1.0.0.0", Result: deploy.Busy, Message: store.ErrBusy.Error(), Changes: []deploy.Change{}},
		})
	}))
	defer srv.Close()
	dir := copyExample(t, "sales")
	addSharedEnv(t, dir, srv.URL, "")
	t.Setenv("BPFC_TOKEN_SHARED", "bpfc_x")
	code, stdout, _ := bpfc(t, "-C", dir, "deploy", "--env", "shared", "--output", "json")
	if r := jsonResult(t, stdout); code != 1 || r.Result != deploy.Busy || r.Environment != "shared" {
		t.Errorf("remote busy deploy: %d %s", code, stdout)
	}
	code, _, stderr := bpfc(t, "-C", dir, "deploy", "--env", "shared")
	if code != 1 || !strings.Contains(stderr, "gave up waiting for the environment, nothing was changed (nor is it in the history): run it again") {
		t.Errorf("remote busy deploy, text: %d %s", code, stderr)
	}
}

// TestBusyOutcome: apply-upgrade and uninstall that gave up waiting for
// the environment say so as a busy import does, and are result "busy"
// under --output json; each exits 1.
func TestBusyOutcome(t *testing.T) {
	busy := fmt.Errorf("%w (database is locked)", store.ErrBusy)
	var out bytes.Buffer
	g := &globals{output: "text", stdout: &out, stderr: &out}
	o := &deploy.Outcome{Environment: "dev", Operation: "uninstall", Solution: "Big", Result: deploy.Busy, Message: busy.Error()}
	err := reportOutcome(g, o, busy, func() { t.Error("a busy uninstall printed its success") })
	var ee *exitError
	if !errors.As(err, &ee) || ee.code != 1 || !strings.HasPrefix(ee.msg, "uninstall of Big in dev gave up waiting for the environment, nothing was changed (nor is it in the history): run it again") {
		t.Errorf("busy uninstall: %#v", err)
	}
	g.output = "json"
	o.Operation = "apply-upgrade"
	err = reportOutcome(g, o, busy, nil)
	var doc deploy.Outcome
	if jerr := json.Unmarshal(out.Bytes(), &doc); jerr != nil || !errors.As(err, &ee) || ee.code != 1 || doc.Result != deploy.Busy {
		t.Errorf("busy apply-upgrade, json: %v %v %s", jerr, err, out.String())
	}
}

// TestUninstallBusyOpening: an uninstall that gives up waiting already
// while opening the store (another connection holds the SQLite file
// exclusively) prints the outcome document, result "busy", under
// --output json, as an import does in that case; it printed only an
// error. It waits out the default busy timeout (10 s): the CLI has no
// setting for it.
func TestUninstallBusyOpening(t *testing.T) {
	dir := copyExample(t, "sales")
	if code, _, stderr := bpfc(t, "-C", dir, "deploy", "--env", "dev"); code != 0 {
		t.Fatalf("deploy dev: %d %s", code, stderr)
	}
	ctx := context.Background()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, ".bpfc", "dev.db")+"?_pragma=locking_mode(EXCLUSIVE)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN EXCLUSIVE"); err != nil {
		t.Fatal(err)
	}
	defer conn.ExecContext(ctx, "ROLLBACK")
	code, stdout, stderr := bpfc(t, "-C", dir, "uninstall", "ContosoSales", "--env", "dev", "--yes", "--output", "json")
	var doc deploy.Outcome
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil || code != 1 || doc.Result != deploy.Busy || doc.Operation != "uninstall" ||
		doc.Solution != "ContosoSales" || doc.Environment != "dev" || !strings.Contains(stderr, "gave up waiting for the environment") {
		t.Errorf("uninstall while dev.db is held: %d %v\n%s\n%s", code, err, stdout, stderr)
	}
}
