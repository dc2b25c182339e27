package main

import (
	"os"
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
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		Setup: func(env *testscript.Env) error {
			// The examples and conformance corpus, for scripts that use them.
			env.Setenv("EXAMPLES", mustAbs("../../examples"))
			env.Setenv("CONFORMANCE", mustAbs("../../../shared/conformance"))
			env.Setenv("NO_COLOR", "1")
			return nil
		},
	})
}

func mustAbs(p string) string {
	a, err := os.Getwd()
	if err != nil {
		panic(err)
	}
	return a + "/" + p
}
