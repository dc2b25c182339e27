package main

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"bpfc": func() { os.Exit(Main()) },
	})
}

// TestScripts runs the CLI end to end from testdata/script/*.txtar: exit
// codes, stdout, stderr and the files each command writes.
func TestScripts(t *testing.T) {
	examples := cleanExamples(t)
	conformance := mustAbs("../../../shared/conformance")
	_, err := os.Stat(conformance)
	haveConformance := err == nil
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		Setup: func(env *testscript.Env) error {
			// The examples and conformance corpus, for scripts that use them.
			env.Setenv("EXAMPLES", examples)
			env.Setenv("CONFORMANCE", conformance)
			env.Setenv("NO_COLOR", "1")
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){"jsonget": jsonget, "zipadd": zipadd},
		// [conformance]: the real exports (../shared/conformance) are
		// beside the checkout; scripts that read them skip, saying so,
		// where they are not, as the other packages' tests do.
		Condition: func(cond string) (bool, error) {
			if cond == "conformance" {
				return haveConformance, nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
	})
}

// jsonget VAR PATH sets $VAR to the value at PATH (keys and indexes joined
// by dots, e.g. instances.0.id) of the JSON document the last command
// printed: how scripts carry ids from one command to the next.
func jsonget(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: jsonget VAR PATH")
	}
	var doc any
	ts.Check(json.Unmarshal([]byte(ts.ReadFile("stdout")), &doc))
	for _, key := range strings.Split(args[1], ".") {
		switch d := doc.(type) {
		case map[string]any:
			doc = d[key]
		case []any:
			var i int
			if _, err := fmt.Sscan(key, &i); err != nil || i < 0 || i >= len(d) {
				ts.Fatalf("jsonget: no element %s in %s", key, args[1])
			}
			doc = d[i]
		default:
			ts.Fatalf("jsonget: %s has no %s", args[1], key)
		}
	}
	if doc == nil {
		ts.Fatalf("jsonget: %s is null or missing", args[1])
	}
	ts.Setenv(args[0], fmt.Sprint(doc))
}

// cleanExamples copies examples/ as git has it: without the environments
// (.bpfc/) and builds (dist/) that running the Quick start leaves there,
// which would otherwise be copied into the scripts' projects.
func cleanExamples(t *testing.T) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "examples")
	src := mustAbs("../../examples")
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if d.IsDir() && (d.Name() == ".bpfc" || d.Name() == "dist") {
			return filepath.SkipDir
		}
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

func mustAbs(p string) string {
	a, err := os.Getwd()
	if err != nil {
		panic(err)
	}
	return a + "/" + p
}

// zipadd ZIP NAME FILE adds FILE to the archive ZIP as the entry NAME: an
// archive as Dataverse exports it with a part bpfc never writes.
func zipadd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: zipadd ZIP NAME FILE")
	}
	path := ts.MkAbs(args[0])
	data, err := os.ReadFile(path)
	ts.Check(err)
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	ts.Check(err)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		ts.Check(zw.Copy(f))
	}
	w, err := zw.Create(args[1])
	ts.Check(err)
	_, err = w.Write([]byte(ts.ReadFile(args[2])))
	ts.Check(err)
	ts.Check(zw.Close())
	ts.Check(os.WriteFile(path, buf.Bytes(), 0o644))
}
