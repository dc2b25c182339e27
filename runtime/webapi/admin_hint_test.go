package webapi

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/runtime/deploy"
)

// TestAdminRefusalSaysWhatToDo: an import (and a plan, an export) with the
// token of a user who is no system administrator says, beside the refusal,
// to use an administrator's token or give the user the role, with the
// command that does it where the server runs: its environment, and the
// roles the user has (user set gives exactly those it names).
func TestAdminRefusalSaysWhatToDo(t *testing.T) {
	f := serve(t, fixtureOptions{})
	ctx := context.Background()
	sam := f.user("sam", "salesperson", "sales_manager")
	c := &Client{URL: f.url, Token: sam, Env: "ci"}
	b := build(t, f.p)
	want := `user "sam" may not import solutions: only a system_administrator may; use the token of a user who has that role, ` +
		"or give sam the role where this server runs: bpfc user set sam --env dev --role sales_manager --role salesperson --role system_administrator"
	_, err := c.Import(ctx, b, false, deploy.Upgrade, nil, "ci-runner")
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != http.StatusForbidden || ae.Message != want {
		t.Errorf("an import by sam:\n got %v\nwant %s", err, want)
	}
	_, err = c.Plan(ctx, b, false, deploy.Upgrade, deploy.SentValues{})
	if err == nil || !strings.Contains(err.Error(), `may not plan imports: only a system_administrator may; use the token of a user who has that role`) {
		t.Errorf("a plan by sam: %v", err)
	}
	// A name the shell would split is quoted.
	odd := f.user("o'neil", "salesperson")
	_, err = (&Client{URL: f.url, Token: odd}).Import(ctx, b, false, deploy.Upgrade, nil, "ci-runner")
	if err == nil || !strings.Contains(err.Error(), `bpfc user set 'o'\''neil' --env dev --role salesperson --role system_administrator (HTTP 403`) {
		t.Errorf("an import by o'neil: %v", err)
	}
	// A user with no role at all is refused before, with its own next step.
	none := f.user("nobody")
	_, err = (&Client{URL: f.url, Token: none}).Import(ctx, b, false, deploy.Upgrade, nil, "ci-runner")
	if err == nil || !strings.Contains(err.Error(), `user "nobody" has no security role (bpfc user set nobody --role ROLE`) || strings.Contains(err.Error(), "that role") {
		t.Errorf("an import by nobody: %v", err)
	}
}
