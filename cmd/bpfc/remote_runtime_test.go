package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// remoteFixture is a deployed sales project served by bpfc serve (the
// server) and a copy of the project whose environment "shared" is that
// server (the client), with the administrator's token in
// BPFC_TOKEN_SHARED.
type remoteFixture struct {
	t      *testing.T
	server string // the server's project directory; its environment dev is served
	client string // the client's project directory
	base   string
	token  string
	stop   func() string
}

func newRemoteFixture(t *testing.T, clientHCL string) *remoteFixture {
	t.Helper()
	f := &remoteFixture{t: t, server: copyExample(t, "sales")}
	if code, _, stderr := bpfc(t, "-C", f.server, "deploy", "--env", "dev"); code != 0 {
		t.Fatalf("deploy dev: %d %s", code, stderr)
	}
	f.token = f.userToken("admin")
	f.base, f.stop = startServe(t, f.server, "dev")
	t.Cleanup(func() { f.stop() })

	f.client = copyExample(t, "sales")
	addSharedEnv(t, f.client, f.base, strings.ReplaceAll(clientHCL, "BASE", f.base))
	t.Setenv("BPFC_TOKEN_SHARED", f.token)
	return f
}

// addSharedEnv adds to the project in dir an unmanaged environment
// "shared" whose server is at url, and then extra.
func addSharedEnv(t *testing.T, dir, url, extra string) {
	t.Helper()
	hclPath := filepath.Join(dir, "bpfc.hcl")
	hcl, err := os.ReadFile(hclPath)
	if err != nil {
		t.Fatal(err)
	}
	src := string(hcl) + "\nenvironment \"shared\" {\n  managed = false\n  url     = \"" + url + "\"\n}\n" + extra
	if err := os.WriteFile(hclPath, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
}

// userToken prints a token of a user of the server's environment.
func (f *remoteFixture) userToken(user string) string {
	f.t.Helper()
	code, stdout, stderr := bpfc(f.t, "-C", f.server, "user", "token", user, "--env", "dev", "--output", "json")
	if code != 0 {
		f.t.Fatalf("user token %s: %d %s", user, code, stderr)
	}
	var tok struct{ Token string }
	if err := json.Unmarshal([]byte(stdout), &tok); err != nil || tok.Token == "" {
		f.t.Fatalf("token: %v %s", err, stdout)
	}
	return tok.Token
}

// remote runs a command against the remote environment (--env shared).
func (f *remoteFixture) remote(args ...string) (int, string, string) {
	f.t.Helper()
	return bpfc(f.t, append([]string{"-C", f.client}, append(args, "--env", "shared")...)...)
}

// local runs the same command on the server's own project (--env dev).
func (f *remoteFixture) local(args ...string) (int, string, string) {
	f.t.Helper()
	return bpfc(f.t, append([]string{"-C", f.server}, append(args, "--env", "dev")...)...)
}

// must runs a remote command that must succeed and returns its stdout.
func (f *remoteFixture) must(args ...string) string {
	f.t.Helper()
	code, stdout, stderr := f.remote(args...)
	if code != 0 {
		f.t.Fatalf("%s: exit %d\n%s%s", strings.Join(args, " "), code, stdout, stderr)
	}
	return stdout
}

// same runs a command remotely and locally and wants the same exit
// status, stdout and stderr (after normalize, when given).
func (f *remoteFixture) same(normalize func(string) string, args ...string) (int, string, string) {
	f.t.Helper()
	rc, rout, rerr := f.remote(args...)
	lc, lout, lerr := f.local(args...)
	if normalize == nil {
		normalize = func(s string) string { return s }
	}
	// Output and messages name the environment as the command line does
	// (the server's messages say "in dev", the client "in shared").
	rout = strings.ReplaceAll(rout, `"environment": "shared"`, `"environment": "dev"`)
	if strings.Contains(rout+rerr, " in dev") {
		f.t.Errorf("%s: a remote message names the server's environment: %s%s", strings.Join(args, " "), rout, rerr)
	}
	rout, rerr = strings.ReplaceAll(rout, " in shared", " in dev"), strings.ReplaceAll(rerr, " in shared", " in dev")
	// A command a message suggests names the project and environment of
	// its own command line.
	rerr = strings.NewReplacer("-C "+f.client+" ", "-C "+f.server+" ", "--env shared", "--env dev").Replace(rerr)
	if rc != lc || normalize(rout) != normalize(lout) || rerr != lerr {
		f.t.Errorf("%s: remote and local differ:\nremote: exit %d\n%s%s\nlocal: exit %d\n%s%s", strings.Join(args, " "), rc, rout, rerr, lc, lout, lerr)
	}
	return rc, rout, rerr
}

// jsonField reads a top-level field of a JSON document.
func jsonField(t *testing.T, doc, field string) any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(doc), &m); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, doc)
	}
	return m[field]
}

// subSeconds drops the fractions of seconds of RFC 3339 times: the Web API
// gives times to the second, as Dataverse does.
var subSeconds = regexp.MustCompile(`(T\d\d:\d\d:\d\d)\.\d+Z`)

func toSeconds(s string) string { return subSeconds.ReplaceAllString(s, "${1}Z") }

// TestRemoteRecordsAndInstances: record and instance commands against an
// environment served by bpfc serve print what they print locally, refusals
// and conflicts included, and change the server's environment.
func TestRemoteRecordsAndInstances(t *testing.T) {
	f := newRemoteFixture(t, "")

	// A remote record create starts the flow it names.
	out := f.must("record", "create", "lead", "--set", "subject=Fleet", "--set", "firstname=Jo", "--set", "lastname=Bloggs",
		"--flow", "strategic_deal", "--output", "json")
	lead, _ := jsonField(t, out, "id").(string)
	inst, _ := jsonField(t, out, "instance").(string)
	if lead == "" || inst == "" || jsonField(t, out, "table") != "lead" {
		t.Fatalf("record create: %s", out)
	}
	out = f.must("record", "create", "lead", "--set", "subject=Vans", "--no-flow")
	if !regexp.MustCompile(`^Created lead \S+\nNo flow started.\n$`).MatchString(out) {
		t.Errorf("record create --no-flow: %q", out)
	}
	out = f.must("record", "create", "lead", "--set", "subject=Cars")
	if !regexp.MustCompile(`^Created lead \S+\nStarted lead_to_opportunity: instance \S+ at stage qualify\n$`).MatchString(out) {
		t.Errorf("record create with the default flow: %q", out)
	}
	// The record is on the server, and reads back the same either way.
	f.same(nil, "record", "show", "lead", lead)
	f.same(toSeconds, "record", "show", "lead", lead, "--output", "json")
	f.same(nil, "record", "list", "lead")
	f.same(toSeconds, "record", "list", "lead", "--output", "json")
	f.same(nil, "instance", "show", inst)
	f.same(nil, "instance", "show", inst, "--output", "json")

	// A refused move: the rule named, exit 1, nothing changed.
	before := f.must("instance", "show", inst, "--output", "json")
	code, _, stderr := f.same(nil, "instance", "next", inst)
	if code != 1 || stderr != `bpfc: cannot move to the next stage: required step "budget" (lead.budgetamount) is empty; `+
		`required step "timeframe" (lead.purchasetimeframe) is empty; required step "decision_maker" (lead.decisionmaker) must be Yes`+"\n"+
		"  fill them, then try again: bpfc -C "+f.server+" record update lead "+lead+" --env dev --set budgetamount=VALUE --set purchasetimeframe=VALUE --set decisionmaker=true\n" {
		t.Errorf("refused move: %d %q", code, stderr)
	}
	if after := f.must("instance", "show", inst, "--output", "json"); after != before {
		t.Errorf("a refused move changed the instance:\n%s\n%s", before, after)
	}
	// Bad values and unknown names: the engine's messages.
	f.same(nil, "record", "update", "lead", lead, "--set", "budgetamount=lots")
	f.same(nil, "record", "show", "lead", "00000000-0000-0000-0000-000000000000")
	f.same(nil, "instance", "show", "00000000-0000-0000-0000-000000000000")
	f.same(nil, "instance", "start", "no_such_flow", "--record", "lead:"+lead)
	f.same(nil, "record", "create", "lead", "--set", "nosuchcolumn=1")
	f.same(nil, "record", "create", "lead", "--set", "nosuchcolumn=1", "--set", "firstnme=Jo", "--output", "json")
	f.same(nil, "record", "update", "lead", lead, "--set", "budgetamont=1")
	// Unknown columns and values that do not fit together: every one, as
	// locally (bpfc's client hears of them all).
	f.same(nil, "record", "create", "lead", "--set", "nosuchcolumn=1", "--set", "budgetamount=lots", "--set", "createdon=2026-01-01")
	f.same(nil, "record", "update", "lead", lead, "--set", "budgetamount=lots", "--set", "purchasetimeframe=someday", "--output", "json")
	f.same(nil, "record", "show", "cts_strategicdeal", inst)
	if code, _, stderr := f.remote("record", "show", "nosuch", lead); code != 1 || stderr != `bpfc: no table "nosuch" in shared`+"\n" {
		t.Errorf("unknown table: %d %q", code, stderr)
	}

	// The move across tables creates the opportunity on the server.
	f.must("record", "update", "lead", lead, "--set", "budgetamount=30000", "--set", "purchasetimeframe=Immediate", "--set", "decisionmaker=yes")
	out = f.must("instance", "next", inst, "--output", "json")
	var moved struct {
		ActiveStage   string            `json:"active_stage"`
		TraversedPath []string          `json:"traversed_path"`
		Records       map[string]string `json:"records"`
		Version       int64             `json:"version"`
	}
	if err := json.Unmarshal([]byte(out), &moved); err != nil || moved.ActiveStage != "develop" || len(moved.TraversedPath) != 2 ||
		moved.Records["opportunity"] == "" {
		t.Fatalf("instance next across tables: %v %s", err, out)
	}
	opp := moved.Records["opportunity"]
	code, out, _ = f.same(toSeconds, "record", "show", "opportunity", opp, "--output", "json")
	if code != 0 || jsonField(t, out, "originatingleadid") != lead {
		t.Errorf("the created opportunity: %s", out)
	}
	code, out, _ = f.same(nil, "instance", "show", inst)
	if code != 0 || !regexp.MustCompile(`(?m)^Path: +qualify > \[develop\] > `).MatchString(out) {
		t.Errorf("instance show after the move: %s", out)
	}

	// Conflicts: a change decided on a stale version (If-Match: 412).
	stale := moved.Version
	f.must("record", "update", "opportunity", opp, "--set", "estimatedvalue=30000", "--set", "customerneed=New trucks")
	f.must("instance", "next", inst) // to approval
	code, _, stderr = f.remote("instance", "prev", inst, "--if-version", jsonNumber(stale))
	if code != 1 || !regexp.MustCompile(`^bpfc: instance `+inst+` was changed by someone else \(version \d+, now \d+\): read it again and retry\n$`).MatchString(stderr) {
		t.Errorf("stale instance version: %d %q", code, stderr)
	}
	f.same(nil, "instance", "prev", inst, "--if-version", jsonNumber(stale))
	f.same(nil, "record", "update", "lead", lead, "--set", "subject=Old", "--if-version", "1")
	if out := f.must("record", "show", "lead", lead, "--output", "json"); jsonField(t, out, "subject") != "Fleet" {
		t.Errorf("a stale update changed the lead: %s", out)
	}
	out = f.must("record", "update", "lead", lead, "--set", "subject=Fleet 2")
	if !regexp.MustCompile(`^Updated lead ` + lead + ` \(version \d+\)\n$`).MatchString(out) {
		t.Errorf("record update: %q", out)
	}

	// The other moves, each as locally.
	if out := f.must("instance", "prev", inst); !strings.HasPrefix(out, "Moved instance "+inst+" to stage develop\n") {
		t.Errorf("instance prev: %s", out)
	}
	if out := f.must("instance", "abandon", inst, "--output", "json"); jsonField(t, out, "state") != "aborted" {
		t.Errorf("instance abandon: %s", out)
	}
	f.same(nil, "instance", "abandon", inst)
	if out := f.must("instance", "reactivate", inst); !strings.HasPrefix(out, "Reactivated instance "+inst+": active\n") {
		t.Errorf("instance reactivate: %s", out)
	}
	f.same(nil, "instance", "finish", inst)
	f.same(nil, "instance", "prev", inst, "--link", opp)
	// prev --to (bpfc_PreviousStage's StageName): the refusals as locally;
	// back to qualify in one move, then on to develop again.
	f.same(nil, "instance", "prev", inst, "--to", "close")
	f.same(nil, "instance", "prev", inst, "--to", "qualfy", "--output", "json")
	if out := f.must("instance", "prev", inst, "--to", "qualify", "--output", "json"); jsonField(t, out, "active_stage") != "qualify" {
		t.Errorf("instance prev --to qualify: %s", out)
	}
	if out := f.must("instance", "next", inst); !strings.HasPrefix(out, "Moved instance "+inst+" to stage develop\n") {
		t.Errorf("instance next after prev --to: %s", out)
	}

	// Starting a second flow, listing, and an action step.
	out = f.must("instance", "start", "lead_to_opportunity", "--record", "lead:"+lead, "--output", "json")
	second, _ := jsonField(t, out, "id").(string)
	if jsonField(t, out, "flow") != "lead_to_opportunity" {
		t.Errorf("instance start: %s", out)
	}
	f.same(nil, "instance", "list")
	f.same(nil, "instance", "list", "--record", "lead:"+lead, "--output", "json")
	f.same(nil, "instance", "list", "--flow", "strategic_deal")
	// Deleting an instance: a stale version is a conflict, then it goes,
	// and both ways then find nothing.
	out = f.must("instance", "start", "lead_to_opportunity", "--record", "lead:"+lead, "--output", "json")
	third, _ := jsonField(t, out, "id").(string)
	code, _, stderr = f.remote("instance", "delete", third, "--if-version", "99")
	if code != 1 || !strings.Contains(stderr, "is at version 1, not 99: read it again") {
		t.Errorf("stale instance delete: %d %q", code, stderr)
	}
	if out := f.must("instance", "delete", third, "--output", "json"); jsonField(t, out, "deleted") != true || jsonField(t, out, "flow") != "lead_to_opportunity" {
		t.Errorf("instance delete: %s", out)
	}
	if c, _, e := f.same(nil, "instance", "delete", third); c != 1 || !strings.Contains(e, "no instance") {
		t.Errorf("instance delete of a deleted instance: %d %q", c, e)
	}
	out = f.must("record", "create", "lead", "--set", "subject=Buses", "--flow", "strategic_deal", "--output", "json")
	deal, _ := jsonField(t, out, "instance").(string)
	code, out, stderr = f.remote("instance", "action", deal, "verify")
	if code != 0 || !strings.HasPrefix(out, "Ran action verify of stage qualify on instance "+deal+"\n  workflow ") {
		t.Errorf("instance action: %d %s %s", code, out, stderr)
	}
	f.same(nil, "instance", "action", deal, "no_such_action")
	f.same(nil, "instance", "action", inst, "verify")
	// The server's worker runs the queued jobs meanwhile: wait until it
	// has run every one at least once (a failed one waits for its retry)
	// and none is running, then the lists agree.
	// (The outbox too: a job the worker runs between the two reads of one
	// list adds an email to the second.)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		_, rout, _ := f.remote("job", "list", "--output", "json")
		_, lout, _ := f.local("job", "list", "--output", "json")
		_, rmail, _ := f.remote("outbox", "list", "--output", "json")
		_, lmail, _ := f.local("outbox", "list", "--output", "json")
		_, lafter, _ := f.local("job", "list", "--output", "json")
		if !strings.Contains(lout, `"state": "running"`) && !strings.Contains(lout, `"attempts": 0,`) &&
			strings.Contains(lout, `"id": 1`) && lafter == lout &&
			strings.ReplaceAll(rout, `"environment": "shared"`, `"environment": "dev"`) == lout &&
			strings.ReplaceAll(rmail, `"environment": "shared"`, `"environment": "dev"`) == lmail {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("job list: remote and local differ:\n%s\n%s", rout, lout)
			break
		}
	}
	f.same(nil, "job", "list")
	f.same(nil, "outbox", "list", "--output", "json")

	// Deleting: the record goes, its instances remain.
	code, out, _ = f.remote("record", "delete", "lead", lead)
	if code != 0 || out != "Deleted lead "+lead+"; its process instances remain.\n" {
		t.Errorf("record delete: %d %q", code, out)
	}
	f.same(nil, "record", "delete", "lead", lead)
	f.same(nil, "instance", "show", inst, "--output", "json")
	code, out, _ = f.same(nil, "instance", "show", second)
	if code != 0 || !strings.Contains(out, "lead:"+lead+" (deleted)") {
		t.Errorf("an instance whose record was deleted: %s", out)
	}
	f.same(nil, "instance", "list", "--record", "lead:"+lead)
}

func jsonNumber(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// TestRemoteUsersAndTokens: the token's user acts on a remote environment,
// with its roles (403 comes out as the local refusal); with --as a system
// administrator's token acts on behalf of another user, with that user's
// roles, and another user's token may not; without a token, or with a
// wrong one, nothing runs.
func TestRemoteUsersAndTokens(t *testing.T) {
	f := newRemoteFixture(t, "")
	for _, args := range [][]string{
		{"user", "add", "alice", "--env", "dev", "--role", "salesperson"},
		{"user", "add", "carol", "--env", "dev", "--role", "customer_service_representative"},
		{"user", "add", "norole", "--env", "dev"},
	} {
		if code, _, stderr := bpfc(t, append([]string{"-C", f.server}, args...)...); code != 0 {
			t.Fatalf("%v: %s", args, stderr)
		}
	}
	// A lookup to a row the acting user may not read says so remotely as
	// locally (the server gives no name for it, and the client asks).
	contact, _ := jsonField(t, f.must("record", "create", "contact", "--set", "lastname=Hidden", "--output", "json"), "id").(string)
	linked, _ := jsonField(t, f.must("record", "create", "lead", "--set", "subject=Linked", "--no-flow", "--as", "alice", "--output", "json"), "id").(string)
	f.must("record", "update", "lead", linked, "--set", "parentcontactid="+contact)
	_, out, _ := f.same(nil, "record", "show", "lead", linked, "--as", "alice")
	if !regexp.MustCompile(`(?m)^parentcontactid +`+contact+` \(not readable by you\)$`).MatchString(out) || strings.Contains(out, "Hidden") {
		t.Errorf("record show of a lookup alice may not read: %s", out)
	}
	if _, out, _ = f.same(nil, "record", "show", "lead", linked); !strings.Contains(out, contact+" (Hidden)") {
		t.Errorf("record show of a lookup the administrator reads: %s", out)
	}

	alice, carol := f.userToken("alice"), f.userToken("carol")

	t.Setenv("BPFC_TOKEN_SHARED", alice)
	out = f.must("record", "create", "lead", "--set", "subject=Fleet", "--output", "json")
	inst, _ := jsonField(t, out, "instance").(string)
	if inst == "" {
		t.Fatalf("alice's lead started no flow: %s", out)
	}
	t.Setenv("BPFC_TOKEN_SHARED", carol)
	code, _, stderr := f.remote("instance", "show", inst)
	_, _, local := f.local("instance", "show", inst, "--as", "carol")
	if code != 1 || stderr != local || !strings.Contains(stderr, `user "carol" may not`) {
		t.Errorf("carol reading alice's instance: %d %q, locally %q", code, stderr, local)
	}
	code, _, stderr = f.remote("job", "list")
	if code != 1 || !strings.Contains(stderr, `user "carol"`) {
		t.Errorf("carol listing jobs: %d %q", code, stderr)
	}
	// --as: the token's user acts on behalf of another (MSCRMCallerID),
	// which only a system administrator may.
	code, _, stderr = f.remote("instance", "list", "--as", "alice")
	if code != 1 || !strings.Contains(stderr, `user "carol" may not act on behalf of another user: only a system_administrator may`) {
		t.Errorf("carol acting as alice: %d %q", code, stderr)
	}
	// A misspelt name gets no suggestion either: carol may not act for
	// anyone, so the names of those she could are not hers to learn here.
	code, _, stderr = f.remote("instance", "list", "--as", "alcie")
	if code != 1 || !strings.Contains(stderr, "may not act on behalf of another user") || strings.Contains(stderr, "alice") {
		t.Errorf("carol acting as alcie: %d %q", code, stderr)
	}
	// The server's no-role refusal names no environment. Its users are
	// set where it runs, not through this project (user set needs the
	// store): the client says whom to ask and what they run there.
	t.Setenv("BPFC_TOKEN_SHARED", f.userToken("norole"))
	code, _, stderr = f.remote("instance", "list")
	if want := `user "norole" has no security role (ask an administrator of environment shared's server to run there: bpfc user set norole --role ROLE --env E, E the environment's name on that server; bpfc user list --env E there shows the roles others have)`; code != 1 || !strings.Contains(stderr, want) || strings.Contains(stderr, f.client) {
		t.Errorf("norole listing instances: %d %q; want %q", code, stderr, want)
	}
	code, stdout, _ := f.remote("instance", "list", "--output", "json")
	if code != 1 || !strings.Contains(stdout, "ask an administrator of environment shared") {
		t.Errorf("norole listing instances, JSON: %d %s", code, stdout)
	}
	t.Setenv("BPFC_TOKEN_SHARED", f.token)
	code, _, stderr = f.remote("instance", "show", inst, "--as", "carol")
	if code != 1 || stderr != local {
		t.Errorf("admin acting as carol, reading alice's instance: %d %q, locally %q", code, stderr, local)
	}
	out = f.must("instance", "list", "--as", "alice", "--output", "json")
	_, localOut, localErr := f.local("instance", "list", "--as", "alice", "--output", "json")
	if !strings.Contains(out, inst) || out != strings.Replace(localOut, `"environment": "dev"`, `"environment": "shared"`, 1) {
		t.Errorf("admin acting as alice, listing: %s\nlocally: %s%s", out, localOut, localErr)
	}
	code, _, stderr = f.remote("instance", "list", "--as", "nobody")
	if code != 1 || !strings.Contains(stderr, `no user "nobody" in environment shared to act on behalf of`) {
		t.Errorf("acting as no user: %d %q", code, stderr)
	}
	// The administrator may list the users, so a misspelt one is named.
	code, _, stderr = f.remote("instance", "list", "--as", "alcie")
	if code != 1 || !strings.Contains(stderr, `no user "alcie" in environment shared to act on behalf of (bpfc user list shows who is); did you mean alice?`) {
		t.Errorf("acting as alcie: %d %q", code, stderr)
	}

	t.Setenv("BPFC_TOKEN_SHARED", "bpfc_wrong")
	code, _, stderr = f.remote("instance", "list")
	if code != 1 || !strings.Contains(stderr, "HTTP 401") || !strings.Contains(stderr, "set BPFC_TOKEN_SHARED (or BPFC_TOKEN) to a valid token") {
		t.Errorf("a wrong token: %d %q", code, stderr)
	}
	t.Setenv("BPFC_TOKEN_SHARED", "")
	code, _, stderr = f.remote("record", "list", "lead")
	if code != 1 || !strings.Contains(stderr, "set BPFC_TOKEN_SHARED (or BPFC_TOKEN)") {
		t.Errorf("no token: %d %q", code, stderr)
	}
	// user list reads the server's users (bpfc_RetrieveUsers), as locally.
	t.Setenv("BPFC_TOKEN_SHARED", f.token)
	out = f.must("user", "list", "--output", "json")
	_, localOut, _ = f.local("user", "list", "--output", "json")
	if !strings.Contains(out, `"salesperson"`) || out != strings.Replace(localOut, `"environment": "dev"`, `"environment": "shared"`, 1) {
		t.Errorf("user list remotely: %s\nlocally: %s", out, localOut)
	}
	// Commands that need the store say where to run them.
	code, _, stderr = f.remote("user", "add", "dave")
	if code != 1 || !strings.Contains(stderr, `environment "shared" is remote`) || !strings.Contains(stderr, "run it on that machine") {
		t.Errorf("user add on a remote environment: %d %q", code, stderr)
	}
	// ... and name the commands that do reach it, user list and plan among them.
	if !strings.Contains(stderr, "plan, deploy") || !strings.Contains(stderr, "user list") {
		t.Errorf("user add on a remote environment names the remote commands without plan or user list: %q", stderr)
	}
}

// TestRemoteReportAndPromote: report reads the server's figures; promote
// imports the build live in a local environment into the remote one, after
// the target's promote_from gate.
func TestRemoteReportAndPromote(t *testing.T) {
	f := newRemoteFixture(t, "environment \"gated\" {\n  managed      = false\n  promote_from = \"test\"\n  url          = \"BASE\"\n}\n")
	out := f.must("record", "create", "lead", "--set", "subject=Fleet", "--output", "json")
	inst, _ := jsonField(t, out, "instance").(string)
	f.must("instance", "abandon", inst)

	dropGenerated := func(s string) string {
		return regexp.MustCompile(`"generated_on": "[^"]*"`).ReplaceAllString(s, "")
	}
	code, out, _ := f.same(dropGenerated, "report", "--output", "json")
	if code != 0 || !strings.Contains(out, `"aborted": 1`) {
		t.Errorf("report: %s", out)
	}
	f.same(nil, "report", "--format", "csv", "--flow", "lead_to_opportunity")
	f.same(nil, "report", "--flow", "no_such_flow")
	f.same(dropGenerated, "report", "--since", "2020-01-01", "--format", "json")

	// The client's own dev gets version 1.0.1.0; promote sends that build.
	hclPath := filepath.Join(f.client, "bpfc.hcl")
	hcl, _ := os.ReadFile(hclPath)
	if err := os.WriteFile(hclPath, []byte(strings.Replace(string(hcl), `version      = "1.0.0.0"`, `version      = "1.0.1.0"`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := bpfc(t, "-C", f.client, "promote", "--from", "dev", "--to", "shared")
	if code != 1 || !strings.Contains(stderr, "dev") {
		t.Errorf("promote from a dev never deployed: %d %q", code, stderr)
	}
	if code, _, stderr := bpfc(t, "-C", f.client, "deploy", "--env", "dev"); code != 0 {
		t.Fatalf("deploy the client's dev: %s", stderr)
	}
	// gated takes only what is live in test, which has nothing.
	t.Setenv("BPFC_TOKEN_GATED", f.token)
	code, out, stderr = bpfc(t, "-C", f.client, "promote", "--from", "dev", "--to", "gated", "--output", "json")
	if code != 1 || !strings.Contains(stderr, `promote_from = "test": nothing was ever deployed to test`) || jsonField(t, out, "result") != "refused" {
		t.Errorf("promote past the gate: %d %s %q", code, out, stderr)
	}
	code, out, stderr = bpfc(t, "-C", f.client, "promote", "--from", "dev", "--to", "shared", "--output", "json")
	if code != 0 || jsonField(t, out, "result") != "applied" || jsonField(t, out, "environment") != "shared" || jsonField(t, out, "version") != "1.0.1.0" {
		t.Fatalf("promote dev -> shared: %d %s %s", code, out, stderr)
	}
	_, out, _ = bpfc(t, "-C", f.server, "history", "--env", "dev", "--output", "json")
	if !strings.Contains(out, `"operation": "promote"`) || !strings.Contains(out, `"1.0.1.0"`) {
		t.Errorf("the server's history after the promotion: %s", out)
	}
}
