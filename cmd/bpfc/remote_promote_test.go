package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// Promotions and releases through remote environments, against real
// servers (bpfc serve) on loopback.

// servedProject is a sales project whose environment env is deployed and
// served, with an administrator's token.
type servedProject struct {
	dir, base, token string
	stop             func() string // stops the server; what it logged
}

// serveProject copies the sales example (with its bpfc.hcl edited by
// edit, when given), deploys env and serves it.
func serveProject(t *testing.T, env string, edit func(string) string) servedProject {
	t.Helper()
	dir := copyExample(t, "sales")
	if edit != nil {
		editFile(t, filepath.Join(dir, "bpfc.hcl"), edit)
	}
	if code, _, stderr := bpfc(t, "-C", dir, "deploy", "--env", env); code != 0 {
		t.Fatalf("deploy %s: %d %s", env, code, stderr)
	}
	code, stdout, stderr := bpfc(t, "-C", dir, "user", "token", "admin", "--env", env, "--output", "json")
	if code != 0 {
		t.Fatalf("user token: %d %s", code, stderr)
	}
	var tok struct{ Token string }
	if err := json.Unmarshal([]byte(stdout), &tok); err != nil || tok.Token == "" {
		t.Fatalf("token: %v %s", err, stdout)
	}
	base, stop := startServe(t, dir, env)
	t.Cleanup(func() { stop() })
	return servedProject{dir: dir, base: base, token: tok.Token, stop: stop}
}

func editFile(t *testing.T, path string, edit func(string) string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(edit(string(b))), 0o644); err != nil {
		t.Fatal(err)
	}
}

// atVersion sets the solution's version in a bpfc.hcl.
func atVersion(v string) func(string) string {
	return func(s string) string {
		return strings.Replace(s, `version      = "1.0.0.0"`, `version      = "`+v+`"`, 1)
	}
}

// result is what deploy and promote print with --output json.
type result struct {
	Environment, Solution, Version, Digest, Result, Message string
	Managed                                                 bool
}

func jsonResult(t *testing.T, out string) result {
	t.Helper()
	var r result
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("not a result: %v\n%s", err, out)
	}
	return r
}

// installed is the version of ContosoSales an environment of dir has.
func installed(t *testing.T, dir, env string) string {
	t.Helper()
	code, out, stderr := bpfc(t, "-C", dir, "solution", "list", "--env", env, "--output", "json")
	if code != 0 {
		t.Fatalf("solution list --env %s: %d %s", env, code, stderr)
	}
	var list struct {
		Solutions []struct{ Name, Version string }
	}
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatalf("solution list: %v %s", err, out)
	}
	for _, s := range list.Solutions {
		if s.Name == "ContosoSales" {
			return s.Version
		}
	}
	return ""
}

// TestPromoteFromRemote: promote --from a remote environment into local
// ones reads the build live on its server (bpfc_ExportSolution), in the
// target's flavour; the target's promote_from gate holds, also when its
// source is the remote environment.
func TestPromoteFromRemote(t *testing.T) {
	srv := serveProject(t, "dev", atVersion("1.0.1.0"))
	client := copyExample(t, "sales")
	editFile(t, filepath.Join(client, "bpfc.hcl"), func(s string) string {
		return s + "\nenvironment \"shared\" {\n  managed = false\n  url     = \"" + srv.base + "\"\n}\n" +
			"\nenvironment \"staging\" {\n  managed      = true\n  promote_from = \"shared\"\n}\n" +
			"\nenvironment \"scratch\" {\n  managed = false\n}\n"
	})

	// Without a token: which variable to set.
	code, _, stderr := bpfc(t, "-C", client, "promote", "--from", "shared", "--to", "dev")
	if code != 1 || !strings.Contains(stderr, "set BPFC_TOKEN_SHARED (or BPFC_TOKEN)") {
		t.Errorf("without a token: %d %q", code, stderr)
	}
	t.Setenv("BPFC_TOKEN_SHARED", srv.token)

	// env list asks the server what is live there.
	code, out, stderr := bpfc(t, "-C", client, "env", "list", "--output", "json")
	if code != 0 {
		t.Fatalf("env list: %d %s", code, stderr)
	}
	var envs struct {
		Environments []struct {
			Name, Store, Error string
			Created            bool
			Solutions          []struct{ Name, Version, State string }
		}
	}
	if err := json.Unmarshal([]byte(out), &envs); err != nil {
		t.Fatalf("env list: %v %s", err, out)
	}
	for _, e := range envs.Environments {
		if e.Name != "shared" {
			continue
		}
		if e.Store != srv.base || !e.Created || e.Error != "" || len(e.Solutions) != 1 || e.Solutions[0].Version != "1.0.1.0" ||
			e.Solutions[0].State != "installed" {
			t.Errorf("env list, the remote environment: %+v", e)
		}
	}

	// Into the client's dev (never deployed): the server's build, not the
	// client's (1.0.0.0).
	code, out, stderr = bpfc(t, "-C", client, "promote", "--from", "shared", "--to", "dev", "--output", "json")
	if code != 0 {
		t.Fatalf("promote shared -> dev: %d %s %s", code, out, stderr)
	}
	if r := jsonResult(t, out); r.Result != "applied" || r.Environment != "dev" || r.Version != "1.0.1.0" || r.Managed {
		t.Errorf("promote shared -> dev: %s", out)
	}
	if v := installed(t, client, "dev"); v != "1.0.1.0" {
		t.Errorf("the client's dev has %q", v)
	}
	_, out, _ = bpfc(t, "-C", client, "history", "--env", "dev", "--output", "json")
	if !strings.Contains(out, `"operation": "promote"`) {
		t.Errorf("history: %s", out)
	}

	// prod takes only what is live in test, which has nothing yet.
	code, out, stderr = bpfc(t, "-C", client, "promote", "--from", "shared", "--to", "prod", "--output", "json")
	if code != 1 || !strings.Contains(stderr, `promote_from = "test": nothing was ever deployed to test`) || jsonResult(t, out).Result != "refused" {
		t.Errorf("promote past prod's gate: %d %s %q", code, out, stderr)
	}
	// test takes what is live in dev: the same build, managed this time
	// (the server keeps both archives of a build deployed there).
	code, out, stderr = bpfc(t, "-C", client, "promote", "--from", "shared", "--to", "test", "--output", "json")
	if r := jsonResult(t, out); code != 0 || r.Result != "applied" || !r.Managed || r.Version != "1.0.1.0" {
		t.Fatalf("promote shared -> test: %d %s %s", code, out, stderr)
	}
	code, out, stderr = bpfc(t, "-C", client, "promote", "--from", "shared", "--to", "prod", "--output", "json")
	if code != 0 || jsonResult(t, out).Result != "applied" {
		t.Errorf("promote shared -> prod once test has it: %d %s %s", code, out, stderr)
	}

	// staging's gate reads what is live on the server: a build that is
	// not (the client's own 1.0.0.0, deployed to scratch) is refused.
	if code, _, stderr := bpfc(t, "-C", client, "deploy", "--env", "scratch"); code != 0 {
		t.Fatalf("deploy scratch: %d %s", code, stderr)
	}
	code, out, stderr = bpfc(t, "-C", client, "promote", "--from", "scratch", "--to", "staging", "--output", "json")
	if code != 1 || !strings.Contains(stderr, `promote_from = "shared": build `) ||
		!strings.Contains(stderr, "is not live in shared, which has ContosoSales 1.0.1.0") || jsonResult(t, out).Result != "refused" {
		t.Errorf("promote past staging's remote gate: %d %s %q", code, out, stderr)
	}
	// dev has the build live on the server: it passes.
	code, out, stderr = bpfc(t, "-C", client, "promote", "--from", "dev", "--to", "staging", "--output", "json")
	if code != 0 || jsonResult(t, out).Result != "applied" || jsonResult(t, out).Version != "1.0.1.0" {
		t.Errorf("promote dev -> staging: %d %s %s", code, out, stderr)
	}
	// The server logged the exports.
	if log := srv.stop(); !strings.Contains(log, "path=/api/data/v9.2/bpfc_ExportSolution") {
		t.Errorf("server log: %s", log)
	}
}

// TestPromoteRemoteToRemote: promote between two servers: the build live
// on one is imported through the other, recorded there as a promotion;
// the target's promote_from gate is checked first.
func TestPromoteRemoteToRemote(t *testing.T) {
	a := serveProject(t, "dev", atVersion("1.0.1.0"))
	b := serveProject(t, "dev", nil)
	client := copyExample(t, "sales")
	editFile(t, filepath.Join(client, "bpfc.hcl"), func(s string) string {
		return s + "\nenvironment \"a\" {\n  managed = false\n  url     = \"" + a.base + "\"\n}\n" +
			"\nenvironment \"b\" {\n  managed      = false\n  promote_from = \"a\"\n  url          = \"" + b.base + "\"\n}\n" +
			"\nenvironment \"b_gated\" {\n  managed      = false\n  promote_from = \"test\"\n  url          = \"" + b.base + "\"\n}\n"
	})
	t.Setenv("BPFC_TOKEN_A", a.token)
	t.Setenv("BPFC_TOKEN_B", b.token)
	t.Setenv("BPFC_TOKEN_B_GATED", b.token)

	// b_gated takes only what is live in the client's test: nothing.
	code, out, stderr := bpfc(t, "-C", client, "promote", "--from", "a", "--to", "b_gated", "--output", "json")
	if code != 1 || !strings.Contains(stderr, `promote_from = "test": nothing was ever deployed to test`) || jsonResult(t, out).Result != "refused" {
		t.Errorf("promote past the gate: %d %s %q", code, out, stderr)
	}
	if v := installed(t, b.dir, "dev"); v != "1.0.0.0" {
		t.Errorf("a refused promotion changed b: %q", v)
	}

	code, out, stderr = bpfc(t, "-C", client, "promote", "--from", "a", "--to", "b", "--output", "json")
	if r := jsonResult(t, out); code != 0 || r.Result != "applied" || r.Environment != "b" || r.Version != "1.0.1.0" {
		t.Fatalf("promote a -> b: %d %s %s", code, out, stderr)
	}
	if v := installed(t, b.dir, "dev"); v != "1.0.1.0" {
		t.Errorf("b has %q", v)
	}
	_, out, _ = bpfc(t, "-C", b.dir, "history", "--env", "dev", "--output", "json")
	if !strings.Contains(out, `"operation": "promote"`) {
		t.Errorf("b's history: %s", out)
	}
	// The same build on both servers.
	digest := regexp.MustCompile(`sha256:[0-9a-f]+`)
	_, outA, _ := bpfc(t, "-C", a.dir, "solution", "list", "--env", "dev")
	_, outB, _ := bpfc(t, "-C", b.dir, "solution", "list", "--env", "dev")
	if da := digest.FindString(outA); da == "" || da != digest.FindString(outB) {
		t.Errorf("a and b differ:\n%s\n%s", outA, outB)
	}
	// Back from b to a is gated by nothing and re-applies the same build.
	if code, _, stderr := bpfc(t, "-C", client, "promote", "--from", "b", "--to", "a"); code != 0 {
		t.Errorf("promote b -> a: %d %s", code, stderr)
	}
}

// TestReleaseWithRemoteTest: bpfc release deploys the local dev, promotes
// to a remote test (through its server) and from there to the local prod.
func TestReleaseWithRemoteTest(t *testing.T) {
	// The test server: an environment "qa" of its own project, managed,
	// without a gate of its own.
	srv := serveProject(t, "qa", func(s string) string { return s + "\nenvironment \"qa\" {\n  managed = true\n}\n" })
	client := copyExample(t, "sales")
	editFile(t, filepath.Join(client, "bpfc.hcl"), func(s string) string {
		s = atVersion("1.0.1.0")(s)
		return strings.Replace(s, "environment \"test\" {\n  managed      = true\n  promote_from = \"dev\"\n}",
			"environment \"test\" {\n  managed      = true\n  promote_from = \"dev\"\n  url          = \""+srv.base+"\"\n}", 1)
	})

	// Without test's token the release stops at test.
	code, out, stderr := bpfc(t, "-C", client, "release", "--output", "json")
	var rel struct {
		OK           bool
		Version      string
		Environments []struct{ Environment, Action, Version, Result, Message string }
	}
	if err := json.Unmarshal([]byte(out), &rel); err != nil || code != 1 || rel.OK || len(rel.Environments) != 3 ||
		rel.Environments[0].Result != "applied" || rel.Environments[1].Result != "failed" ||
		!strings.Contains(rel.Environments[1].Message, "set BPFC_TOKEN_TEST") || rel.Environments[2].Result != "skipped" {
		t.Fatalf("release without a token: %d %v %s %s", code, err, out, stderr)
	}

	t.Setenv("BPFC_TOKEN_TEST", srv.token)
	code, out, stderr = bpfc(t, "-C", client, "release", "--output", "json")
	if err := json.Unmarshal([]byte(out), &rel); err != nil || code != 0 || !rel.OK || rel.Version != "1.0.1.0" {
		t.Fatalf("release: %d %v %s %s", code, err, out, stderr)
	}
	for i, want := range []struct{ env, action string }{{"dev", "deploy"}, {"test", "promote from dev"}, {"prod", "promote from test"}} {
		if s := rel.Environments[i]; s.Environment != want.env || s.Action != want.action || s.Result != "applied" || s.Version != "1.0.1.0" {
			t.Errorf("step %d: %+v", i, s)
		}
	}
	if v := installed(t, srv.dir, "qa"); v != "1.0.1.0" {
		t.Errorf("the test server has %q", v)
	}
	if v := installed(t, client, "prod"); v != "1.0.1.0" {
		t.Errorf("prod has %q", v)
	}
	_, out, _ = bpfc(t, "-C", srv.dir, "history", "--env", "qa", "--output", "json")
	if !strings.Contains(out, `"operation": "promote"`) {
		t.Errorf("the test server's history: %s", out)
	}
	// The text summary says the same.
	code, out, stderr = bpfc(t, "-C", client, "release")
	if code != 0 || !strings.Contains(out, "test") || !strings.Contains(out, "promote from dev") {
		t.Errorf("release (text): %d %s %s", code, out, stderr)
	}
}

// TestPlanRemote: bpfc plan for a remote environment asks its server
// (bpfc_PlanImport) what an import of this build would do, with the values
// a deploy would send; nothing changes there.
func TestPlanRemote(t *testing.T) {
	srv := serveProject(t, "dev", nil)
	client := copyExample(t, "sales")
	editFile(t, filepath.Join(client, "bpfc.hcl"), func(s string) string {
		return atVersion("1.1.0.0")(s) + "\nenvironment \"shared\" {\n  url    = \"" + srv.base + "\"\n  values = { approval_threshold = 75000 }\n}\n"
	})
	editFile(t, filepath.Join(client, "flows", "phone_to_case.hcl"), func(s string) string {
		return strings.Replace(s, `display_name = "Identify"`, `display_name = "Identify the caller"`, 1)
	})
	t.Setenv("BPFC_TOKEN_SHARED", srv.token)
	code, out, stderr := bpfc(t, "-C", client, "plan", "--env", "shared", "--output", "json")
	var pl struct {
		Env       string `json:"environment"`
		Installed string `json:"installed_version"`
		Changes   []struct {
			Action, Kind, Name string
			Fields             []struct{ Field, Old, New string }
		}
		Refusals []string
	}
	if err := json.Unmarshal([]byte(out), &pl); err != nil || code != 0 || pl.Env != "shared" || pl.Installed != "1.0.0.0" || len(pl.Refusals) != 0 {
		t.Fatalf("plan: %d %v %s %s", code, err, out, stderr)
	}
	var stage, value bool
	for _, c := range pl.Changes {
		if c.Kind == "stage" && c.Name == "phone_to_case.identify" && len(c.Fields) == 1 && c.Fields[0].New == `"Identify the caller"` {
			stage = true
		}
		if c.Kind == "value" && c.Name == "approval_threshold" {
			value = true
		}
	}
	if !stage || !value {
		t.Errorf("changes: %+v", pl.Changes)
	}
	if v := installed(t, srv.dir, "dev"); v != "1.0.0.0" {
		t.Errorf("the plan changed the server: %q", v)
	}
	// A user who may not import is refused with the server's code, under
	// --output json as the Web API gives it (it was "Failed").
	if code, _, stderr := bpfc(t, "-C", srv.dir, "user", "add", "alice", "--env", "dev", "--role", "salesperson"); code != 0 {
		t.Fatalf("user add: %d %s", code, stderr)
	}
	code, out, stderr = bpfc(t, "-C", srv.dir, "user", "token", "alice", "--env", "dev", "--output", "json")
	var tok struct{ Token string }
	if err := json.Unmarshal([]byte(out), &tok); err != nil || code != 0 {
		t.Fatalf("user token: %d %v %s", code, err, stderr)
	}
	t.Setenv("BPFC_TOKEN_SHARED", tok.Token)
	code, out, _ = bpfc(t, "-C", client, "plan", "--env", "shared", "--output", "json")
	var fail struct {
		Error struct{ Code, Message string }
	}
	if err := json.Unmarshal([]byte(out), &fail); err != nil || code != 1 || fail.Error.Code != "Forbidden" || fail.Error.Message == "" {
		t.Errorf("plan as a salesperson: %d %v %s", code, err, out)
	}
	t.Setenv("BPFC_TOKEN_SHARED", "nonsense")
	if code, out, _ = bpfc(t, "-C", client, "plan", "--env", "shared", "--output", "json"); code != 1 || !strings.Contains(out, `"code": "Unauthorized"`) {
		t.Errorf("plan with an unknown token: %d %s", code, out)
	}
}

// TestPlanRemoteArchive: plan --archive of a remote environment asks its
// server what deploy --archive would import, as it does of the project's
// build.
func TestPlanRemoteArchive(t *testing.T) {
	dir := copyExample(t, "sales")
	if code, _, stderr := bpfc(t, "-C", dir, "deploy", "--env", "dev"); code != 0 {
		t.Fatalf("deploy dev: %d %s", code, stderr)
	}
	code, out, stderr := bpfc(t, "-C", dir, "user", "token", "admin", "--env", "dev", "--output", "json")
	var tok struct{ Token string }
	if err := json.Unmarshal([]byte(out), &tok); err != nil || code != 0 || tok.Token == "" {
		t.Fatalf("user token: %d %v %s", code, err, stderr)
	}
	base, stop := startServe(t, dir, "dev")
	t.Cleanup(func() { stop() })

	client := copyExample(t, "sales")
	editFile(t, filepath.Join(client, "bpfc.hcl"), func(s string) string {
		return atVersion("1.1.0.0")(s) + "\nenvironment \"shared\" {\n  url = \"" + base + "\"\n}\n"
	})
	editFile(t, filepath.Join(client, "flows", "phone_to_case.hcl"), func(s string) string {
		return strings.Replace(s, `display_name = "Identify"`, `display_name = "Identify the caller"`, 1)
	})
	if code, _, stderr := bpfc(t, "-C", client, "build"); code != 0 {
		t.Fatalf("build: %d %s", code, stderr)
	}
	// The project moves on after the build: a plan of the project's own
	// build would list this change too, the archive's does not.
	editFile(t, filepath.Join(client, "flows", "phone_to_case.hcl"), func(s string) string {
		return strings.Replace(s, `display_name  = "Phone to Case Process"`, `display_name  = "Phone to Case"`, 1)
	})
	t.Setenv("BPFC_TOKEN_SHARED", tok.Token)
	code, out, stderr = bpfc(t, "-C", client, "plan", "--env", "shared", "--archive", "dist/ContosoSales_1_1_0_0.zip", "--output", "json")
	var pl struct {
		Env       string `json:"environment"`
		Installed string `json:"installed_version"`
		Version   string
		Changes   []struct{ Action, Kind, Name string }
		Refusals  []string
	}
	if err := json.Unmarshal([]byte(out), &pl); err != nil || code != 0 || pl.Env != "shared" || pl.Installed != "1.0.0.0" || pl.Version != "1.1.0.0" || len(pl.Refusals) != 0 {
		t.Fatalf("plan: %d %v %s %s", code, err, out, stderr)
	}
	if !slices.ContainsFunc(pl.Changes, func(c struct{ Action, Kind, Name string }) bool {
		return c.Kind == "stage" && c.Name == "phone_to_case.identify"
	}) || slices.ContainsFunc(pl.Changes, func(c struct{ Action, Kind, Name string }) bool {
		return c.Kind == "flow" && c.Name == "phone_to_case"
	}) {
		t.Errorf("changes: %+v", pl.Changes)
	}
	if v := installed(t, dir, "dev"); v != "1.0.0.0" {
		t.Errorf("the plan changed the server: %q", v)
	}
}

// TestPlanRemoteNoArchive: a plan for a remote managed environment of a
// build that has only an unmanaged archive (deploy --archive) answers as
// a local plan does: what the import would change, and the refusal among
// the plan's refusals (exit status 1); it was an error with no plan.
func TestPlanRemoteNoArchive(t *testing.T) {
	srv := serveProject(t, "test", func(s string) string {
		return strings.Replace(s, "  promote_from = \"dev\"\n", "", 1)
	})
	client := copyExample(t, "sales")
	editFile(t, filepath.Join(client, "bpfc.hcl"), func(s string) string {
		return s + "\nenvironment \"shared\" {\n  managed = true\n  url     = \"" + srv.base + "\"\n}\n"
	})
	if code, _, stderr := bpfc(t, "-C", client, "build"); code != 0 {
		t.Fatalf("build: %d %s", code, stderr)
	}
	if code, _, stderr := bpfc(t, "-C", client, "deploy", "--env", "dev", "--archive", "dist/ContosoSales_1_0_0_0.zip"); code != 0 {
		t.Fatalf("deploy --archive: %d %s", code, stderr)
	}
	t.Setenv("BPFC_TOKEN_SHARED", srv.token)
	type plan struct {
		Env      string `json:"environment"`
		Changes  []struct{ Action, Kind, Name string }
		Refusals []string
	}
	plans := map[string]plan{}
	for _, env := range []string{"test", "shared"} {
		code, out, stderr := bpfc(t, "-C", client, "plan", "--env", env, "--from", "dev", "--output", "json")
		var pl plan
		if err := json.Unmarshal([]byte(out), &pl); err != nil || code != 1 || pl.Env != env || len(pl.Refusals) != 1 ||
			!strings.Contains(pl.Refusals[0], "has no managed archive, only ContosoSales_1_0_0_0.zip (unmanaged)") ||
			!strings.Contains(pl.Refusals[0], "into "+env+" (bpfc deploy --env "+env+" --archive ZIP)") {
			t.Fatalf("plan --env %s: %d %v %s %s", env, code, err, out, stderr)
		}
		plans[env] = pl
	}
	// The server has the build installed: nothing of it is added.
	if !slices.ContainsFunc(plans["test"].Changes, func(c struct{ Action, Kind, Name string }) bool { return c.Kind == "flow" && c.Action == "add" }) ||
		len(plans["shared"].Changes) != 0 {
		t.Errorf("changes: local %+v, remote %+v", plans["test"].Changes, plans["shared"].Changes)
	}
	// The text plan lists the refusal, as the local one does.
	code, out, stderr := bpfc(t, "-C", client, "plan", "--env", "shared", "--from", "dev")
	if code != 1 || !strings.Contains(out, "This deploy would be refused (1 reason") || !strings.Contains(out, "No changes.") ||
		!strings.Contains(stderr, "has no managed archive") {
		t.Errorf("text plan: %d %s %s", code, out, stderr)
	}
	if v := installed(t, srv.dir, "test"); v != "1.0.0.0" {
		t.Errorf("the plan changed the server: %q", v)
	}
}
