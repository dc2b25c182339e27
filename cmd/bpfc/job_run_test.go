package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/environ"
)

// TestJobRunInterrupted: the first interrupt of job run stops it taking
// jobs and lets the running one end, its webhook answered and posted once;
// the other queued job waits for the next run.
func TestJobRunInterrupted(t *testing.T) {
	h := newBlockingHook(t)
	r := startJobRun(t, jobProject(t, h.url), "json", h)
	r.interrupts <- syscall.SIGINT
	time.Sleep(100 * time.Millisecond) // the interrupt is read before the answer comes
	close(h.release)
	select {
	case err := <-r.done:
		if err != nil {
			t.Fatalf("job run: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("job run did not stop after its running job")
	}
	var res struct{ Jobs []struct{ State string } }
	if err := json.Unmarshal(r.out.Bytes(), &res); err != nil {
		t.Fatalf("%v: %s", err, r.out.String())
	}
	if len(res.Jobs) != 1 || res.Jobs[0].State != "succeeded" || h.posts.Load() != 1 {
		t.Errorf("ran %+v, %d posts; want one job, succeeded, posted once", res.Jobs, h.posts.Load())
	}
	if !strings.Contains(r.errb.String(), "stopping when the job it runs ends") {
		t.Errorf("stderr: %q", r.errb.String())
	}
	code, stdout, _ := bpfc(t, "-C", r.dir, "job", "list", "--env", "dev", "--state", "queued", "--output", "json")
	if code != 0 || strings.Count(stdout, `"state": "queued"`) != 1 {
		t.Errorf("queued after the interrupted run: %d %s", code, stdout)
	}
}

// TestJobRunStoppedAtOnce: a second interrupt stops job run at once, the
// webhook in flight abandoned: the run says so and exits 1 (it exited 0).
func TestJobRunStoppedAtOnce(t *testing.T) {
	h := newBlockingHook(t)
	defer close(h.release)
	r := startJobRun(t, jobProject(t, h.url), "text", h)
	r.interrupts <- syscall.SIGINT
	r.interrupts <- syscall.SIGINT
	select {
	case err := <-r.done:
		var ee *exitError
		if !errors.As(err, &ee) || ee.code != 1 || !strings.Contains(ee.msg, "stopped at once") {
			t.Errorf("job run stopped at once: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("job run did not stop")
	}
}

// TestStoreWithoutImport: an environment whose store was made but whose
// first import never committed (a deploy killed in between) has nothing
// deployed: runtime commands say so, as before the store was made.
func TestStoreWithoutImport(t *testing.T) {
	dir := t.TempDir()
	src := "solution \"S\" {\n  version = \"1.0.0.0\"\n  publisher \"jp\" {\n    prefix = \"jp\"\n  }\n}\nenvironment \"dev\" {}\n" +
		"flow \"f\" {\n  primary_table = \"lead\"\n  stage \"a\" {}\n}\n"
	if err := os.WriteFile(filepath.Join(dir, "bpfc.hcl"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	p, diags := compiler.Load(dir)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	s, _, err := environ.Open(context.Background(), p, "dev", environ.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	const want = "bpfc: environment dev (.bpfc/dev.db) has nothing deployed yet: run bpfc deploy --env dev first\n"
	for _, args := range [][]string{{"record", "create", "lead", "--env", "dev", "--set", "lastname=A"}, {"instance", "list", "--env", "dev"},
		{"job", "run", "--env", "dev", "--once"}} {
		code, _, stderr := bpfc(t, append([]string{"-C", dir}, args...)...)
		if code != 1 || stderr != want {
			t.Errorf("%v: %d %s", args, code, stderr)
		}
	}
	// serve refuses it as job run does, where it used to serve it empty.
	type result struct {
		code   int
		stderr string
	}
	done := make(chan result, 1)
	go func() {
		code, _, stderr := bpfc(t, "-C", dir, "serve", "--env", "dev", "--addr", "127.0.0.1:0")
		done <- result{code, stderr}
	}()
	select {
	case r := <-done:
		if r.code != 1 || r.stderr != want {
			t.Errorf("serve: %d %s", r.code, r.stderr)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve served an environment with nothing deployed")
	}
}

// jobProject is a deployed project whose flow's first stage queues a
// background workflow posting to hookURL, and two leads that queued it.
func jobProject(t *testing.T, hookURL string) string {
	t.Helper()
	dir := t.TempDir()
	for name, src := range map[string]string{
		"bpfc.hcl": `solution "Jobs" {
  version = "1.0.0.0"
  publisher "jp" {
    prefix              = "jp"
    option_value_prefix = 40001
  }
}
environment "dev" {}
`,
		"flows.hcl": `workflow "hook" {
  table = "lead"
  mode  = "background"
  step "post" {
    webhook = { url = "` + hookURL + `/hook" }
  }
}
flow "f" {
  primary_table = "lead"
  stage "a" { on_enter = [workflow.hook] }
  stage "b" {}
}
`} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, args := range [][]string{{"deploy", "--env", "dev"}, {"record", "create", "lead", "--env", "dev", "--set", "lastname=Ames"},
		{"record", "create", "lead", "--env", "dev", "--set", "lastname=Bo"}} {
		if code, _, stderr := bpfc(t, append([]string{"-C", dir}, args...)...); code != 0 {
			t.Fatalf("%v: %d %s", args, code, stderr)
		}
	}

	return dir
}

// blockingHook is a webhook receiver that holds each post until release
// is closed (or its caller gives up).
type blockingHook struct {
	url              string
	posts            atomic.Int32
	arrived, release chan struct{}
}

func newBlockingHook(t *testing.T) *blockingHook {
	h := &blockingHook{arrived: make(chan struct{}, 4), release: make(chan struct{})}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.posts.Add(1)
		h.arrived <- struct{}{}
		select {
		case <-h.release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	h.url = srv.URL
	return h
}

// jobRun is a job run in progress (runJobQueue), interrupted through
// interrupts.
type jobRun struct {
	dir        string
	out, errb  *bytes.Buffer
	interrupts chan os.Signal
	done       chan error
}

// startJobRun starts job run on dir's dev and waits for its first post to h.
func startJobRun(t *testing.T, dir, output string, h *blockingHook) *jobRun {
	t.Helper()
	r := &jobRun{dir: dir, out: &bytes.Buffer{}, errb: &bytes.Buffer{}, interrupts: make(chan os.Signal, 2), done: make(chan error, 1)}
	g := &globals{dir: dir, output: output, stdout: r.out, stderr: r.errb}
	go func() {
		r.done <- runJobQueue(g, &jobOptions{runtimeOptions: runtimeOptions{env: "dev", as: "admin"}}, r.interrupts)
	}()
	select {
	case <-h.arrived:
	case err := <-r.done:
		t.Fatalf("job run ended before posting: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("no webhook posted")
	}
	return r
}
