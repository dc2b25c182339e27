package deploy

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/bpfc/bpfc/runtime/store"
)

// TestReleaseBusyOpening: a release step whose store could not be opened
// because another connection held it past the busy timeout is "busy", as
// README says and as an import that gives up inside its transaction is:
// nothing changed, so CI retries it. The step had no result and was said
// "failed". Both the deploy's target (dev held from the start) and a
// promotion's source (dev held once its step applied) are tried.
func TestReleaseBusyOpening(t *testing.T) {
	pr := newProject(t)
	pr.deploy("dev", quiet())
	holdStore(t, pr, "dev")
	b := pr.build()
	pl := pr.pipeline(b.Project)
	pl.Open.BusyTimeout = 300 * time.Millisecond
	rel, err := pl.Release(context.Background(), b, quiet(), nil)
	if !errors.Is(err, store.ErrBusy) || rel.OK || rel.Result != Busy || rel.Environments[0].Result != Busy || rel.Environments[1].Result != Skipped {
		t.Errorf("release while dev cannot be opened: %v (%+v)", err, rel)
	}
	res, err := pl.Deploy(context.Background(), "dev", b, quiet())
	if !errors.Is(err, store.ErrBusy) || res == nil || res.Result != Busy || res.Message != err.Error() || res.Digest != b.Digest {
		t.Errorf("deploy while dev cannot be opened: %v (%+v)", err, res)
	}
	// A deploy to test reads what is live in dev (its promote_from): busy,
	// and the error names dev, which was held, not test.
	res, err = pl.Deploy(context.Background(), "test", b, quiet())
	var src *SourceBusyError
	if !errors.As(err, &src) || src.Source != "dev" || !errors.Is(err, store.ErrBusy) || res == nil || res.Result != Busy ||
		!strings.Contains(res.Message, "reading what is live in dev (promote_from)") {
		t.Errorf("deploy to test while dev cannot be read: %v (%+v)", err, res)
	}

	pr2 := newProject(t)
	b2 := pr2.build()
	pl2 := pr2.pipeline(b2.Project)
	pl2.Open.BusyTimeout = 300 * time.Millisecond
	rel, err = pl2.Release(context.Background(), b2, quiet(), func(s ReleaseStep) {
		if s.Environment == "dev" {
			holdStore(t, pr2, "dev") // the next step promotes from dev
		}
	})
	if !errors.Is(err, store.ErrBusy) || rel.Result != Busy || rel.Environments[0].Result != Applied || rel.Environments[1].Result != Busy ||
		rel.Environments[2].Result != Skipped {
		t.Errorf("release while its promotion's source cannot be opened: %v (%+v)", err, rel)
	}
}
