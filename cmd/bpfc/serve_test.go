package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/bpfc/bpfc/runtime/store/sqlstore"
)

// copyExample copies an example project to a temporary directory.
func copyExample(t *testing.T, name string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), name)
	if err := os.CopyFS(dir, os.DirFS(filepath.Join("..", "..", "examples", name))); err != nil {
		t.Fatal(err)
	}
	os.RemoveAll(filepath.Join(dir, ".bpfc"))
	os.RemoveAll(filepath.Join(dir, "dist"))
	return dir
}

// bpfc runs the CLI in process and returns its exit status and output.
func bpfc(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

// TestServeRemoteDeploy: bpfc serve serves an environment on a loopback
// port; a project whose environment has url = "http://…" deploys to it
// with bpfc deploy and a token from bpfc user token; the server stops
// gracefully when its context ends.
func TestServeRemoteDeploy(t *testing.T) {
	server := copyExample(t, "sales")
	if code, _, stderr := bpfc(t, "-C", server, "deploy", "--env", "dev"); code != 0 {
		t.Fatalf("deploy dev: %d %s", code, stderr)
	}
	code, stdout, stderr := bpfc(t, "-C", server, "user", "token", "admin", "--env", "dev", "--output", "json")
	if code != 0 {
		t.Fatalf("user token: %d %s", code, stderr)
	}
	var tok struct{ Token string }
	if err := json.Unmarshal([]byte(stdout), &tok); err != nil || tok.Token == "" {
		t.Fatalf("token: %v %s", err, stdout)
	}

	base, stop := startServe(t, server, "dev")

	// The developer's project: the same solution, one version on, with the
	// server as a remote environment.
	client := copyExample(t, "sales")
	hclPath := filepath.Join(client, "bpfc.hcl")
	hcl, err := os.ReadFile(hclPath)
	if err != nil {
		t.Fatal(err)
	}
	src := strings.Replace(string(hcl), `version      = "1.0.0.0"`, `version      = "1.0.1.0"`, 1) +
		"\nenvironment \"shared\" {\n  managed = false\n  url     = \"" + base + "\"\n}\n"
	if err := os.WriteFile(hclPath, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}

	code, _, stderr = bpfc(t, "-C", client, "deploy", "--env", "shared")
	if code != 1 || !strings.Contains(stderr, "set BPFC_TOKEN_SHARED (or BPFC_TOKEN)") {
		t.Errorf("without a token: %d %s", code, stderr)
	}
	t.Setenv("BPFC_TOKEN_SHARED", "bpfc_wrong")
	code, _, stderr = bpfc(t, "-C", client, "deploy", "--env", "shared")
	if code != 1 || !strings.Contains(stderr, "HTTP 401") {
		t.Errorf("with a wrong token: %d %s", code, stderr)
	}
	t.Setenv("BPFC_TOKEN_SHARED", tok.Token)
	code, stdout, stderr = bpfc(t, "-C", client, "deploy", "--env", "shared", "--output", "json")
	if code != 0 {
		t.Fatalf("remote deploy: %d %s %s", code, stdout, stderr)
	}
	var res struct{ Environment, Version, Result string }
	if err := json.Unmarshal([]byte(stdout), &res); err != nil || res.Environment != "shared" || res.Version != "1.0.1.0" || res.Result != "applied" {
		t.Errorf("remote deploy: %v %s", err, stdout)
	}
	// The server's environment has it.
	code, stdout, _ = bpfc(t, "-C", server, "solution", "list", "--env", "dev")
	if code != 0 || !strings.Contains(stdout, "1.0.1.0") {
		t.Errorf("solution list on the server: %s", stdout)
	}
	serveErr := stop()
	if !strings.Contains(serveErr, "msg=request") || !strings.Contains(serveErr, "path=/api/data/v9.2/ImportSolution") {
		t.Errorf("request log: %s", serveErr)
	}
}

// lockedBuffer is a bytes.Buffer that the server's request log and worker
// may write while a test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startServe runs bpfc serve --addr 127.0.0.1:0 --output json for env in
// dir and returns the server's base URL and a function that stops it
// (gracefully, as SIGTERM would) and returns what it wrote to stderr.
func startServe(t *testing.T, dir, env string, extra ...func(*serveOptions)) (string, func() string) {
	t.Helper()
	pr, pw := io.Pipe()
	serveErr := &lockedBuffer{}
	g := &globals{dir: dir, output: "json", stdout: pw, stderr: serveErr}
	o := &serveOptions{env: env, addr: "127.0.0.1:0", as: sqlstore.AdminUser}
	for _, f := range extra {
		f(o)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- runServe(ctx, g, o)
		pw.Close()
	}()
	var once sync.Once
	stop := func() string {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("serve: %v", err)
				}
			case <-time.After(30 * time.Second):
				t.Error("serve did not stop")
			}
		})
		return serveErr.String()
	}
	var started struct{ URL string }
	lines := bufio.NewReader(pr)
	var doc strings.Builder
	for !json.Valid([]byte(doc.String())) || doc.Len() == 0 {
		line, err := lines.ReadString('\n')
		if err != nil {
			t.Fatalf("serve: %v %s", err, serveErr.String())
		}
		doc.WriteString(line)
	}
	go io.Copy(io.Discard, pr)
	if err := json.Unmarshal([]byte(doc.String()), &started); err != nil || !strings.HasPrefix(started.URL, "http://127.0.0.1:") {
		stop()
		t.Fatalf("serve printed %q", doc.String())
	}
	return strings.TrimSuffix(started.URL, "/api/data/v9.2/"), stop
}

// TestServeRunsBackgroundWorkflows: the server runs the job queue beside
// the API (a move made with the CLI queues a job that the server's worker
// runs), and an action step posted to the API runs its realtime workflow.
func TestServeRunsBackgroundWorkflows(t *testing.T) {
	dir := copyExample(t, "sales")
	if code, _, stderr := bpfc(t, "-C", dir, "deploy", "--env", "dev"); code != 0 {
		t.Fatalf("deploy dev: %d %s", code, stderr)
	}
	code, stdout, stderr := bpfc(t, "-C", dir, "record", "create", "lead", "--env", "dev", "--set", "subject=Fleet", "--set", "lastname=Bloggs",
		"--set", "qualificationcomments=Twelve trucks", "--flow", "strategic_deal", "--output", "json")
	if code != 0 {
		t.Fatalf("record create: %d %s", code, stderr)
	}
	var created struct{ ID, Instance string }
	if err := json.Unmarshal([]byte(stdout), &created); err != nil {
		t.Fatalf("record create: %v %s", err, stdout)
	}
	_, stop := startServe(t, dir, "dev")
	defer stop()

	if code, _, stderr := bpfc(t, "-C", dir, "instance", "action", created.Instance, "verify", "--env", "dev"); code != 0 {
		t.Fatalf("instance action: %d %s", code, stderr)
	}
	if code, _, stderr := bpfc(t, "-C", dir, "record", "update", "lead", created.ID, "--env", "dev", "--set", "budgetamount=30000",
		"--set", "purchasetimeframe=Immediate", "--set", "decisionmaker=yes"); code != 0 {
		t.Fatalf("record update: %d %s", code, stderr)
	}
	if code, _, stderr := bpfc(t, "-C", dir, "instance", "next", created.Instance, "--env", "dev"); code != 0 {
		t.Fatalf("instance next: %d %s", code, stderr)
	}
	// The worker polls every second; give it ten.
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, stdout, _ = bpfc(t, "-C", dir, "job", "list", "--env", "dev", "--state", "succeeded", "--output", "json")
		if strings.Contains(stdout, `"notify_deal_desk"`) {
			break
		}
		if time.Now().After(deadline) {
			_, all, _ := bpfc(t, "-C", dir, "job", "list", "--env", "dev")
			t.Fatalf("the server's worker did not run the queued job: %s", all)
		}
		time.Sleep(100 * time.Millisecond)
	}
	_, stdout, _ = bpfc(t, "-C", dir, "outbox", "list", "--env", "dev")
	if !strings.Contains(stdout, "Strategic lead qualified") {
		t.Errorf("outbox after the server's worker ran: %s", stdout)
	}
	if log := stop(); !strings.Contains(log, "notify_deal_desk") {
		t.Errorf("the worker logged nothing about its job: %s", log)
	}
}

// TestServeAddressInUse: a taken address is a user-facing failure (1) that
// says another server is there and how to choose another address.
func TestServeAddressInUse(t *testing.T) {
	dir := copyExample(t, "sales")
	if code, _, stderr := bpfc(t, "-C", dir, "deploy", "--env", "dev"); code != 0 {
		t.Fatalf("deploy dev: %d %s", code, stderr)
	}
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	addr := taken.Addr().String()
	code, stdout, stderr := bpfc(t, "-C", dir, "serve", "--env", "dev", "--addr", addr)
	want := "bpfc: serve: listen tcp " + addr + ": bind: address already in use (another server is on " + addr +
		"; choose another with --addr HOST:PORT)\n"
	if code != 1 || stderr != want || stdout != "" {
		t.Errorf("serve on a taken address: exit %d, stdout %q\n%s\nwant exit 1\n%s", code, stdout, stderr, want)
	}
}

// TestServeInterruptFinishesJob: the first interrupt of serve lets the job
// its worker runs end, the webhook answered and posted once, and takes no
// other job; a second interrupt stops it at once and says so (exit 1).
func TestServeInterruptFinishesJob(t *testing.T) {
	h := newBlockingHook(t)
	dir := jobProject(t, h.url)
	interrupts := make(chan os.Signal, 2)
	_, stop := startServe(t, dir, "dev", func(o *serveOptions) { o.interrupts = interrupts })
	select {
	case <-h.arrived:
	case <-time.After(30 * time.Second):
		t.Fatal("the server's worker posted no webhook")
	}
	interrupts <- syscall.SIGINT
	time.Sleep(100 * time.Millisecond) // the interrupt is read before the answer comes
	close(h.release)
	stderr := stop()
	if !strings.Contains(stderr, "stopping when the requests in flight and the job in hand end") {
		t.Errorf("stderr: %s", stderr)
	}
	if n := h.posts.Load(); n != 1 {
		t.Errorf("%d posts, want 1", n)
	}
	code, stdout, _ := bpfc(t, "-C", dir, "job", "list", "--env", "dev", "--output", "json")
	if code != 0 || strings.Count(stdout, `"state": "succeeded"`) != 1 || strings.Count(stdout, `"state": "queued"`) != 1 {
		t.Errorf("jobs after the interrupted serve: %d %s", code, stdout)
	}

	// A second interrupt: at once, the job in hand back in the queue.
	h2 := newBlockingHook(t)
	defer close(h2.release)
	dir2 := jobProject(t, h2.url)
	interrupts2 := make(chan os.Signal, 2)
	g := &globals{dir: dir2, output: "json", stdout: io.Discard, stderr: &lockedBuffer{}}
	done := make(chan error, 1)
	go func() {
		done <- runServe(context.Background(), g, &serveOptions{env: "dev", addr: "127.0.0.1:0", interrupts: interrupts2, as: sqlstore.AdminUser})
	}()
	select {
	case <-h2.arrived:
	case <-time.After(30 * time.Second):
		t.Fatal("the second server's worker posted no webhook")
	}
	interrupts2 <- syscall.SIGINT
	interrupts2 <- syscall.SIGINT
	select {
	case err := <-done:
		var ee *exitError
		if !errors.As(err, &ee) || ee.code != 1 || !strings.Contains(ee.msg, "stopped at once") {
			t.Errorf("serve stopped at once: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop at once")
	}
	code, stdout, _ = bpfc(t, "-C", dir2, "job", "list", "--env", "dev", "--state", "queued", "--output", "json")
	if code != 0 || strings.Count(stdout, `"state": "queued"`) != 2 {
		t.Errorf("queued after serve stopped at once: %d %s", code, stdout)
	}
}

// TestServeGCTarget: a server collects at serveGCPercent unless GOGC is
// set, when the operator's value stays.
func TestServeGCTarget(t *testing.T) {
	old := debug.SetGCPercent(100)
	defer debug.SetGCPercent(old)
	tuneGC(func(string) (string, bool) { return "", false })
	if got := debug.SetGCPercent(100); got != serveGCPercent {
		t.Errorf("without GOGC: GC percent %d, want %d", got, serveGCPercent)
	}
	tuneGC(func(k string) (string, bool) { return "50", k == "GOGC" })
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("with GOGC set: GC percent %d, want it left at 100", got)
	}
}
