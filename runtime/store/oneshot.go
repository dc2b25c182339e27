package store

import (
	"context"
	"time"
)

// OneShotWriter is a Store that can apply a run-time write decided on
// rows read before it (by earlier transactions) in one statement of its
// own: no BEGIN, no reads, one round trip. The write is conditional on
// everything the decision read still being so: every row at its version,
// the access stamp and the import generation unchanged, no import holding
// or waiting for the environment. When one of them is not, nothing is
// written and the caller makes the change as a shared write instead.
// PostgreSQL's store implements it; callers find it by a type assertion.
type OneShotWriter interface {
	// CanWriteOnce says whether the store writes in one shot at all (a
	// store type may serve backends that do and that do not).
	CanWriteOnce() bool
	// CachedAccess is the user's access as the store last read it in a
	// shared write, with the access stamp it was read under; false when the
	// store has none (or cannot write in one shot).
	CachedAccess(user string) (Access, int64, bool)
	// WriteOnce applies w if every condition holds. It returns false, and
	// writes nothing, when one does not; an error when the statement
	// failed otherwise (whether it committed is then unknown).
	WriteOnce(ctx context.Context, w OneShot) (bool, error)
}

// OneShot is a write for OneShotWriter: one row updated at its version,
// and the stage log's exit and entry that go with a transition.
type OneShot struct {
	AccessStamp int64 // the stamp the acting user's access was read under
	Generation  int64 // the import generation the definitions were read under
	// Reads are the rows the decision read besides the updated one: each
	// must still be at its version.
	Reads  []RowVersion
	Update RowUpdate
	// Leave closes the instance's open stay (as Tx.CloseStageVisit), Enter
	// opens one (Tx.AddStageVisit); both only with the update. Both are
	// one move: the same instance, time, user and way.
	Leave *StageExit
	Enter *StageVisit
}

// RowVersion names a row of a table at a row version.
type RowVersion struct {
	Table   Table
	ID      string
	Version int64
	// Created, when not zero, is the row's createdon as well: a row
	// deleted and created again with the same id starts at the same
	// version, not at the same time.
	Created time.Time
}

// RowUpdate writes Values into a row at Version (Tx.UpdateRow).
type RowUpdate struct {
	RowVersion
	Values map[string]any
}

// StageExit is the exit from an instance's open stay.
type StageExit struct {
	InstanceID string
	Left       time.Time
	By, How    string
}

// clientKey holds, in a context, the client a request came from.
type clientKey struct{}

// WithClient says that ctx's writes come from client: one connection of a
// caller that sends its next request when the last is answered (the Web
// API's connections). A store that applies one-shot writes together
// expects a client whose write it just applied to come back, and lets the
// next statement wait briefly for it.
func WithClient(ctx context.Context, client string) context.Context {
	return context.WithValue(ctx, clientKey{}, client)
}

// ClientOf is the client WithClient gave ctx, or "".
func ClientOf(ctx context.Context) string {
	c, _ := ctx.Value(clientKey{}).(string)
	return c
}
