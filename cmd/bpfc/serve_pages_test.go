package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/bpfc/bpfc/runtime/store/sqlstore"
)

// runServeFor runs bpfc serve --addr 127.0.0.1:0 for env in dir with the
// output format given, returns the first lines it printed (text) or its
// JSON object, and stops it when the test ends.
func runServeFor(t *testing.T, dir, env, output string, extra ...func(*serveOptions)) string {
	t.Helper()
	pr, pw := io.Pipe()
	serveErr := &lockedBuffer{}
	g := &globals{dir: dir, output: output, stdout: pw, stderr: serveErr}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	o := &serveOptions{env: env, addr: "127.0.0.1:0", noWorker: true, as: sqlstore.AdminUser}
	for _, f := range extra {
		f(o)
	}
	go func() {
		done <- runServe(ctx, g, o)
		pw.Close()
	}()
	t.Cleanup(func() {
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
	lines := bufio.NewReader(pr)
	var out strings.Builder
	for {
		line, err := lines.ReadString('\n')
		if err != nil {
			t.Fatalf("serve: %v %s", err, serveErr.String())
		}
		out.WriteString(line)
		if output == "json" && json.Valid([]byte(out.String())) || output == "text" && strings.Contains(line, "/signin?token=") {
			break
		}
	}
	go io.Copy(io.Discard, lines)
	return out.String()
}

// TestServePages: bpfc serve prints a one-time sign-in link for the
// administrator beside the API's address (in its JSON as "signin"); the
// link signs a browser in to the pages, once, and the API is unchanged.
func TestServePages(t *testing.T) {
	dir := copyExample(t, "sales")
	if code, _, stderr := bpfc(t, "-C", dir, "deploy", "--env", "dev"); code != 0 {
		t.Fatalf("deploy dev: %d %s", code, stderr)
	}
	var started struct{ Environment, URL, Signin string }
	out := runServeFor(t, dir, "dev", "json")
	if err := json.Unmarshal([]byte(out), &started); err != nil {
		t.Fatalf("serve printed %q: %v", out, err)
	}
	base := strings.TrimSuffix(started.URL, "/api/data/v9.2/")
	if started.Environment != "dev" || !strings.HasPrefix(started.URL, "http://127.0.0.1:") ||
		!regexp.MustCompile(`^`+regexp.QuoteMeta(base)+`/signin\?token=[A-Za-z0-9_-]{43}$`).MatchString(started.Signin) {
		t.Fatalf("serve printed %q", out)
	}

	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(c *http.Client, url string) (int, string, string) {
		t.Helper()
		resp, err := c.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Location"), string(body)
	}
	if code, loc, _ := get(client, base+"/"); code != http.StatusSeeOther || !strings.HasPrefix(loc, "/signin") {
		t.Errorf("the pages before signing in: %d %q", code, loc)
	}
	// Opening the link shows a button; pressing it (a post of the
	// link's secret) signs in.
	secret := strings.TrimPrefix(started.Signin, base+"/signin?token=")
	if code, _, body := get(client, started.Signin); code != http.StatusOK || !strings.Contains(body, `name="once" value="`+secret+`"`) ||
		!strings.Contains(body, "Sign in as admin") {
		t.Fatalf("the sign-in link: %d %s", code, body)
	}
	press := func(c *http.Client) (int, string) {
		t.Helper()
		resp, err := c.PostForm(base+"/signin", url.Values{"once": {secret}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode, resp.Header.Get("Location")
	}
	if code, loc := press(client); code != http.StatusSeeOther || loc != "/" {
		t.Fatalf("pressing the sign-in button: %d %q", code, loc)
	}
	code, _, body := get(client, base+"/")
	if code != http.StatusOK || !strings.Contains(body, "Strategic Deal Process") || !strings.Contains(body, "Signed in as <strong>admin</strong>") {
		t.Errorf("the home page: %d %s", code, body)
	}
	if code, _, body := get(client, base+"/flows/strategic_deal/graph.svg"); code != http.StatusOK || !strings.Contains(body, "<svg") {
		t.Errorf("the graph: %d", code)
	}
	// The link works once.
	other, _ := cookiejar.New(nil)
	if code, _ := press(&http.Client{Jar: other, CheckRedirect: client.CheckRedirect}); code != http.StatusForbidden {
		t.Errorf("the sign-in link a second time: %d", code)
	}
	// The API is as it was: JSON, bearer tokens.
	resp, err := http.Get(base + "/api/data/v9.2/leads")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Errorf("the API without a token: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

// TestServePrintsSignInLink: the text output names the link.
func TestServePrintsSignInLink(t *testing.T) {
	dir := copyExample(t, "sales")
	if code, _, stderr := bpfc(t, "-C", dir, "deploy", "--env", "dev"); code != 0 {
		t.Fatalf("deploy dev: %d %s", code, stderr)
	}
	out := runServeFor(t, dir, "dev", "text")
	if !regexp.MustCompile(`(?m)^Serving environment dev \(.*\) on http://127\.0\.0\.1:\d+/api/data/v9\.2/\n` +
		`Web pages: sign in as admin with this one-time link: http://127\.0\.0\.1:\d+/signin\?token=[A-Za-z0-9_-]{43}\n$`).MatchString(out) {
		t.Errorf("serve printed %q", out)
	}
}

// TestServeAs: serve takes --as, as every run-time command does (cli.md):
// the one-time link signs that user in to the pages, with that user's
// roles; a name that is no user of the environment stops serve (exit 1)
// before it listens.
func TestServeAs(t *testing.T) {
	dir := copyExample(t, "sales")
	if code, _, stderr := bpfc(t, "-C", dir, "deploy", "--env", "dev"); code != 0 {
		t.Fatalf("deploy dev: %d %s", code, stderr)
	}
	if code, _, stderr := bpfc(t, "-C", dir, "user", "add", "alice", "--env", "dev", "--role", "salesperson"); code != 0 {
		t.Fatalf("user add: %d %s", code, stderr)
	}
	if code, stdout, stderr := bpfc(t, "-C", dir, "serve", "--env", "dev", "--as", "nobody", "--addr", "127.0.0.1:0", "--output", "json"); code != 1 ||
		!strings.Contains(stderr, `user "nobody" is not a user of environment dev`) || !strings.Contains(stdout, `"code": "Forbidden"`) {
		t.Errorf("serve --as nobody: %d %s %s", code, stdout, stderr)
	}
	// An empty name is no user either, as for the other commands (a
	// serve that starts anyway stops at the deadline).
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	g := &globals{dir: dir, output: "text", stdout: io.Discard, stderr: io.Discard}
	if err := runServe(ctx, g, &serveOptions{env: "dev", addr: "127.0.0.1:0", noWorker: true, as: ""}); err == nil ||
		!strings.Contains(err.Error(), `user "" is not a user of environment dev`) {
		t.Errorf("serve --as '': %v", err)
	}
	out := runServeFor(t, dir, "dev", "text", func(o *serveOptions) { o.as = "alice" })
	m := regexp.MustCompile(`Web pages: sign in as alice with this one-time link: (http://127\.0\.0\.1:\d+)/signin\?token=([A-Za-z0-9_-]{43})\n$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("serve --as alice printed %q", out)
	}
	base, secret := m[1], m[2]
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	resp, err := client.PostForm(base+"/signin", url.Values{"once": {secret}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "Signed in as <strong>alice</strong>") {
		t.Errorf("signed in with the link of serve --as alice: %d %s", resp.StatusCode, body)
	}
}
