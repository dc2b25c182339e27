package main

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/runtime/deploy"
	"github.com/bpfc/bpfc/runtime/store"
)

// TestFailedImportMessage: an import that failed (the store failed
// mid-import, say) names the import and says that nothing changed; a
// refusal keeps its own words.
func TestFailedImportMessage(t *testing.T) {
	var out bytes.Buffer
	g := &globals{output: "text", stdout: &out, stderr: &out}
	res := &deploy.Result{Environment: "dev", Solution: "Big", Version: "1.1.0.0", Result: deploy.Failed}
	err := reportResult(g, nil, deploy.Upgrade, nil, res, errors.New("disk I/O error (778)"))
	var ee *exitError
	if !errors.As(err, &ee) || ee.code != 1 || ee.msg != "import of Big 1.1.0.0 into dev failed, nothing was changed: disk I/O error (778)" {
		t.Errorf("failed import: %#v", err)
	}
	// A COMMIT without the server's answer (the connection lost) says it
	// may have applied, never "nothing was changed".
	res.Message = "the connection to the store was lost while it committed: it may or may not have been applied; …"
	err = reportResult(g, nil, deploy.Upgrade, nil, res, fmt.Errorf("%w: unexpected EOF", store.ErrCommitUnknown))
	if !errors.As(err, &ee) || ee.msg != "import of Big 1.1.0.0 into dev: "+res.Message {
		t.Errorf("import whose commit got no answer: %#v", err)
	}
	ref := &deploy.Refusal{Env: "dev", Solution: "Big", Version: "1.1.0.0", Causes: []string{"version 1.1.0.0 is lower"}}
	res.Result = deploy.Refused
	err = reportResult(g, nil, deploy.Upgrade, nil, res, ref)
	if !errors.As(err, &ee) || ee.msg != ref.Error() || strings.Contains(ee.msg, "nothing was changed") {
		t.Errorf("refused import: %#v", err)
	}
}

// TestAppliedChangesListed: a deploy's text lists its changes under the
// summary as plan does, up to maxListedChanges, then says how many more.
func TestAppliedChangesListed(t *testing.T) {
	var cs []deploy.Change
	for i := range maxListedChanges + 3 {
		cs = append(cs, deploy.Change{Action: "add", Kind: "stage", Name: fmt.Sprintf("f.s%02d", i)})
	}
	var out bytes.Buffer
	g := &globals{output: "text", stdout: &out, stderr: &out}
	res := &deploy.Result{Environment: "dev", Solution: "Big", Version: "1.0.0.0", Result: deploy.Applied, Changes: cs}
	if err := reportResult(g, nil, deploy.Upgrade, nil, res, nil); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	for _, want := range []string{"\n    ACTION  KIND   NAME\n", "\n    add     stage  f.s00\n",
		fmt.Sprintf("\n    add     stage  f.s%02d\n", maxListedChanges-1), "\n    … and 3 more (--output json lists every change)\n"} {
		if !strings.Contains(text, want) {
			t.Errorf("no %q in\n%s", want, text)
		}
	}
	if strings.Contains(text, fmt.Sprintf("f.s%02d", maxListedChanges)) {
		t.Errorf("more than %d changes listed:\n%s", maxListedChanges, text)
	}
}
