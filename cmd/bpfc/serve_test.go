package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
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

	// bpfc serve --addr 127.0.0.1:0 --output json prints where it listens.
	pr, pw := io.Pipe()
	var serveErr bytes.Buffer
	g := &globals{dir: server, output: "json", stdout: pw, stderr: &serveErr}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- runServe(ctx, g, &serveOptions{env: "dev", addr: "127.0.0.1:0"})
		pw.Close()
	}()
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
		t.Fatalf("serve printed %q", doc.String())
	}
	base := strings.TrimSuffix(started.URL, "/api/data/v9.2/")

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
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop")
	}
	if !strings.Contains(serveErr.String(), "msg=request") || !strings.Contains(serveErr.String(), "path=/api/data/v9.2/ImportSolution") {
		t.Errorf("request log: %s", serveErr.String())
	}
}
