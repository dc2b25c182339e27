package deploy

import (
	"errors"
	"fmt"
	"testing"

	"github.com/bpfc/bpfc/runtime/store"
)

// TestServedMessage: an import whose outcome is unknown, run by a server
// for its client, is answered with commands that work from the client's
// side: plan (which reaches the environment through the server) and
// history only as run where the server runs, for history refuses a remote
// environment. Its own message sent the client to bpfc history --env dev.
// Another failure keeps its message.
func TestServedMessage(t *testing.T) {
	err := errCommitUnknown{cause: fmt.Errorf("%w: unexpected EOF", store.ErrCommitUnknown), env: "dev", version: "1.1.0.0",
		how: "the connection to the store was lost while it committed"}
	const want = "the connection to the store was lost while it committed: it may or may not have been applied; " +
		"bpfc plan --env dev shows whether 1.1.0.0 is live there, bpfc history --env dev, run where its server runs, lists it as succeeded if it was, " +
		"and running it again is safe"
	if msg, ok := ServedMessage(fmt.Errorf("environment dev: %w", err)); !ok || msg != want {
		t.Errorf("ServedMessage of an unknown outcome = %q, %v; want %q", msg, ok, want)
	}
	if msg, ok := ServedMessage(errNotCommitted{cause: errors.New("unexpected EOF"), how: err.how}); ok {
		t.Errorf("ServedMessage of an import not committed = %q, want its own message", msg)
	}
}
