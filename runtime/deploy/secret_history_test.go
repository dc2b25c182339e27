package deploy

import (
	"context"
	"strings"
	"testing"
)

// TestVariableBecomesSecretScrubsHistory: a refusal recorded in the
// history quotes the value it refused, here the one the environment kept
// for a string variable; once an import makes that variable a secret, the
// history no longer shows its earlier clear text (it did, in the refused
// entry), in the import's own transaction, short or shortened.
func TestVariableBecomesSecretScrubsHistory(t *testing.T) {
	for _, clear := range []string{"ftp://files.example/t0ken-123", "ftp://files.example/" + strings.Repeat("t0ken-", 20)} {
		pr := newProject(t)
		pr.set("hook.hcl", "variable \"hook\" {\n  type = \"string\"\n}\n")
		o := quiet()
		o.Getenv = func(k string) string { return map[string]string{"BPFC_VAR_HOOK": clear}[k] }
		pr.deploy("dev", o)
		// A workflow that posts to it: the kept value is not a URL.
		post := `
workflow "tell" {
  table = "lead"
  step "post" { webhook = { url = var.hook } }
}
`
		pr.version("1.0.0.1").set("post.hcl", post)
		pr.refuse("dev", quiet(), "the value of hook that environment dev keeps (from BPFC_VAR_HOOK) is not valid now")
		prefix := clear[:min(len(clear), 40)]
		if !strings.Contains(pr.dump("dev"), prefix) {
			t.Fatalf("the refusal's entry does not quote the value: the test shows nothing")
		}
		pr.set("hook.hcl", "variable \"hook\" {\n  type = \"secret\"\n}\n")
		o.Getenv = func(k string) string { return map[string]string{"BPFC_VAR_HOOK": "https://hooks.example/new"}[k] }
		pr.deploy("dev", o)
		if d := pr.dump("dev"); strings.Contains(d, prefix) {
			i := strings.Index(d, prefix)
			t.Errorf("the store still holds the value the secret had as a string:\n%s", d[max(0, i-200):min(len(d), i+200)])
		}
		h, err := pr.pipeline(pr.load()).History(context.Background(), "dev", 0)
		must(t, err)
		if len(h) != 3 || !strings.Contains(h[1].Message, "is not valid now: (secret) ") {
			t.Errorf("history = %+v", h)
		}
	}
}
