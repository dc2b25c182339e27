package main

import (
	"encoding/json"
	"errors"
	"io"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// TestArgsErrors: every command checks its arguments, and agrees with
// its Use string on how many it takes; a wrong count is a usage error
// (exit 2) that says what the command takes and shows its usage line; an
// unknown command of a group is one too.
func TestArgsErrors(t *testing.T) {
	root := newRoot(&globals{stdout: io.Discard, stderr: io.Discard})
	var visit func(c *cobra.Command)
	visit = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			if sub.Name() == "help" || sub.Name() == "completion" {
				continue
			}
			visit(sub)
		}
		if c == root {
			return
		}
		path := c.CommandPath()
		if c.Args == nil {
			t.Errorf("%s: no Args (use argsUsage)", path)
			return
		}
		if c.HasSubCommands() {
			checkUsageErr(t, path+" nope", c.Args(c, []string{"nope"}), strings.TrimPrefix(path, "bpfc ")+` has no command "nope"`)
			return
		}
		required, optional := positionals(c)
		for n := 0; n <= 3; n++ {
			args := make([]string, n)
			for i := range args {
				args[i] = "a"
			}
			err := c.Args(c, args)
			if ok := n >= len(required) && n <= len(required)+len(optional); ok {
				if err != nil {
					t.Errorf("%s with %d arguments: %v", path, n, err)
				}
				continue
			}
			checkUsageErr(t, path, err, strings.TrimPrefix(path, "bpfc ")+" takes ")
			if err != nil && !strings.HasSuffix(err.Error(), "\nUsage: "+c.UseLine()) {
				t.Errorf("%s with %d arguments: no usage line: %q", path, n, err)
			}
		}
	}
	visit(root)
}

func checkUsageErr(t *testing.T, what string, err error, prefix string) {
	t.Helper()
	var ee *exitError
	if !errors.As(err, &ee) || ee.code != 2 || !strings.HasPrefix(ee.msg, prefix) {
		t.Errorf("%s: got %#v, want a usage error starting %q", what, err, prefix)
	}
}

// TestArgsErrorOutput: what a user sees for a missing or extra argument,
// an unknown command of a group, and a group alone (its help).
func TestArgsErrorOutput(t *testing.T) {
	for _, tc := range []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"instance", "next"}, 2, "bpfc: instance next takes 1 argument (the instance id), got 0\n" +
			"Usage: bpfc instance next ID --env E [--link ID] [flags]\n"},
		{[]string{"record", "show", "lead", "--env", "dev"}, 2, `bpfc: record show takes 2 arguments (the table and the record id), got 1 ("lead")` + "\n" +
			"Usage: bpfc record show TABLE ID --env E [flags]\n"},
		{[]string{"init", "a", "b"}, 2, `bpfc: init takes at most 1 argument (the directory), got 2 ("a" "b")` + "\nUsage: bpfc init [DIR] [flags]\n"},
		{[]string{"deploy", "dev"}, 2, `bpfc: deploy takes no arguments, got 1 ("dev")` + "\nUsage: bpfc deploy --env E [flags]\n"},
		{[]string{"diff", "old"}, 2, `bpfc: diff takes 2 arguments (the old version and the new version), got 1 ("old")` + "\nUsage: bpfc diff OLD NEW [flags]\n"},
		{[]string{"instance", "nxt"}, 2, `bpfc: instance has no command "nxt"; did you mean next?` + "\nRun 'bpfc instance --help' for its commands.\n"},
		{[]string{"instance", "nxt", "x", "--env", "dev"}, 2, `bpfc: instance has no command "nxt"; did you mean next?` + "\nRun 'bpfc instance --help' for its commands.\n"},
		{[]string{"instance"}, 0, ""},
	} {
		code, stdout, stderr := bpfc(t, tc.args...)
		if code != tc.code || stderr != tc.stderr {
			t.Errorf("bpfc %s: exit %d\n%s\nwant exit %d\n%s", strings.Join(tc.args, " "), code, stderr, tc.code, tc.stderr)
		}
		if tc.code == 0 && !strings.Contains(stdout, "Available Commands:") {
			t.Errorf("bpfc %s: no help on stdout: %q", strings.Join(tc.args, " "), stdout)
		}
		if tc.code != 0 && stdout != "" {
			t.Errorf("bpfc %s: printed %q on stdout", strings.Join(tc.args, " "), stdout)
		}
	}
}

// TestMalformedArgumentsAreUsageErrors: an argument or flag value of the
// wrong form is a usage error (2) wherever it is given: an id that is no
// GUID, an unknown shell for completion (it printed the help and
// succeeded), an --addr that is no HOST:PORT.
func TestMalformedArgumentsAreUsageErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"record", "show", "lead", "notaguid", "--env", "dev"}, `record show: ID "notaguid" is not an id`},
		{[]string{"instance", "show", "nope", "--env", "dev"}, `instance show: ID "nope" is not an id`},
		{[]string{"instance", "list", "--env", "dev", "--record", "lead:zzz"}, `"zzz" is not an id`},
		{[]string{"job", "retry", "x", "--env", "dev"}, `"x" is not a job id`},
		{[]string{"completion", "tcsh"}, `unknown command "tcsh" for "bpfc completion"`},
		{[]string{"serve", "--env", "dev", "--addr", "127.0.0.1:99999"}, "the port is a number from 0 to 65535"},
		{[]string{"serve", "--env", "dev", "--addr", "8080"}, "write HOST:PORT"},
	} {
		code, _, stderr := bpfc(t, append([]string{"-C", dir}, tc.args...)...)
		if code != 2 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: %d %s; want 2 and %q", tc.args, code, stderr, tc.want)
		}
	}
}

// TestEveryCommandExplainsItself: every command, a group too, has a Long
// help beyond its one-line Short (init, fmt, validate and build had none,
// the groups only their Short), and the commonly used ones have examples.
func TestEveryCommandExplainsItself(t *testing.T) {
	g := &globals{stdout: io.Discard, stderr: io.Discard}
	root := newRoot(g)
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, s := range c.Commands() {
			if s.Hidden || s.Name() == "help" || s.Name() == "completion" {
				continue
			}
			if s.Long == "" || s.Long == s.Short {
				t.Errorf("%s has no Long help", s.CommandPath())
			}
			walk(s)
		}
	}
	walk(root)
	for _, name := range []string{"init", "validate", "build", "release", "deploy", "diff", "env", "instance", "job", "report", "serve"} {
		c, _, err := root.Find([]string{name})
		if err != nil || c.Name() != name {
			t.Errorf("no command %s: %v", name, err)
			continue
		}
		if !c.HasExample() {
			t.Errorf("%s has no Example", c.CommandPath())
		}
	}
}

// TestEveryCommandDocumentsItsJSON: cli.md's JSON output is "stable and
// documented": every command that runs (not a group, not help or
// completion, which print no document of their own) says in its help what
// --output json prints (diff, graph, create-settings, pack and unpack did
// not).
func TestEveryCommandDocumentsItsJSON(t *testing.T) {
	g := &globals{stdout: io.Discard, stderr: io.Discard}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, s := range c.Commands() {
			if s.Hidden || s.Name() == "help" || s.Name() == "completion" {
				continue
			}
			if s.Runnable() && !s.HasSubCommands() && !strings.Contains(s.Long, "--output json") {
				t.Errorf("%s: its help does not say what --output json prints", s.CommandPath())
			}
			walk(s)
		}
	}
	walk(newRoot(g))
}

// TestExamplesRun: every line of every command's Example (but comments)
// names a command bpfc has, with flags it takes and as many arguments as
// it takes, so that the examples keep up with the commands.
func TestExamplesRun(t *testing.T) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, s := range c.Commands() {
			walk(s)
		}
		for _, line := range strings.Split(c.Example, "\n") {
			line = strings.TrimSpace(line)
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			args, ok := strings.CutPrefix(line, "bpfc ")
			if !ok {
				t.Errorf("%s: example %q does not start with bpfc", c.CommandPath(), line)
				continue
			}
			// A new root each time: parsing flags sets them.
			root := newRoot(&globals{stdout: io.Discard, stderr: io.Discard})
			cmd, rest, err := root.Find(strings.Fields(args))
			if err == nil {
				err = cmd.ParseFlags(rest)
			}
			if err == nil && cmd.Args != nil {
				err = cmd.Args(cmd, cmd.Flags().Args())
			}
			if err != nil || !cmd.Runnable() {
				t.Errorf("%s: example %q: %v", c.CommandPath(), line, err)
			}
		}
	}
	walk(newRoot(&globals{stdout: io.Discard, stderr: io.Discard}))
}

// TestHistoryAndReleaseDocumentTheirJSON: what history and release print
// under --output json is what their help says: history's results include
// "refused" (its help said succeeded | failed), and a release's document
// has result and message beside ok (its help named ok only).
func TestHistoryAndReleaseDocumentTheirJSON(t *testing.T) {
	dir := copyExample(t, "sales")
	help := func(name string) string {
		c, _, err := newRoot(&globals{stdout: io.Discard, stderr: io.Discard}).Find([]string{name})
		if err != nil {
			t.Fatal(err)
		}
		return c.Long
	}
	if code, _, stderr := bpfc(t, "-C", dir, "deploy", "--env", "dev"); code != 0 {
		t.Fatalf("deploy dev: %d %s", code, stderr)
	}
	if code, _, _ := bpfc(t, "-C", dir, "deploy", "--env", "dev", "--mode", "stage"); code != 1 {
		t.Fatalf("a staged upgrade of an unmanaged environment: %d, want a refusal", code)
	}
	_, out, _ := bpfc(t, "-C", dir, "history", "--env", "dev", "--output", "json")
	var history struct{ Imports []struct{ Result string } }
	if err := json.Unmarshal([]byte(out), &history); err != nil {
		t.Fatalf("history: %v %s", err, out)
	}
	results := regexp.MustCompile(`result\s+\(([^)]*)\)`).FindStringSubmatch(help("history"))
	if results == nil {
		t.Fatalf("history's help names no results: %s", help("history"))
	}
	for _, imp := range history.Imports {
		if !slices.Contains(strings.Fields(strings.ReplaceAll(results[1], "|", " ")), imp.Result) {
			t.Errorf("history printed result %q; its help says %s", imp.Result, results[0])
		}
	}

	code, out, _ := bpfc(t, "-C", dir, "release", "--output", "json")
	var release map[string]any
	if err := json.Unmarshal([]byte(out), &release); code != 0 || err != nil {
		t.Fatalf("release: %d %v %s", code, err, out)
	}
	release["message"] = "" // left out when no step stopped the release
	for key := range release {
		if !regexp.MustCompile(`\b` + key + `\b`).MatchString(help("release")) {
			t.Errorf("release printed %q, which its help does not name", key)
		}
	}
}
