package engine

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/bpfc/bpfc/runtime/secret"
	"github.com/bpfc/bpfc/runtime/store"
)

// Options configure an Engine.
type Options struct {
	// Now is the clock (time.Now by default).
	Now func() time.Time
	// Hooks are called inside every transition (nil: none).
	Hooks Hooks
	// Keyring opens secret variables for conditions; without one a secret
	// variable is empty.
	Keyring *secret.Keyring
}

// Engine runs an environment. It is safe for concurrent use.
type Engine struct {
	s store.Store
	o Options

	mu     sync.Mutex
	dep    *deployment
	models map[string]*model // decoded snapshots by build digest

	imu       sync.Mutex
	instTable map[string]string // instance id -> instance table

	// oneShots: the store writes changes in one shot (oneshot.go); only
	// then does the engine keep rows for them.
	oneShots bool
	rows     rowCache
}

// New returns the engine of the environment s.
func New(s store.Store, o Options) *Engine {
	if o.Now == nil {
		o.Now = time.Now
	}
	ow, ok := s.(store.OneShotWriter)
	return &Engine{s: s, o: o, models: map[string]*model{}, instTable: map[string]string{}, oneShots: ok && ow.CanWriteOnce()}
}

// Session is the engine acting as one user: every operation checks that
// user's roles.
type Session struct {
	e    *Engine
	user string
}

// As returns a session acting as the named user (a systemuser domainname).
func (e *Engine) As(user string) *Session { return &Session{e: e, user: user} }

// User is the name the session acts as.
func (s *Session) User() string { return s.user }

// op is one operation in its transaction.
type op struct {
	ctx  context.Context
	e    *Engine
	tx   store.Tx
	dep  *deployment
	acc  store.Access
	now  time.Time
	user string
	// id names the operation: the same each time the store runs its
	// transaction again after losing a race (hooks derive idempotency
	// keys from it).
	id string
	// oneShot: tx is a one-shot change's (oneshot.go).
	oneShot bool
}

// run runs fn in a transaction of the store, with the deployment loaded
// and the acting user checked.
func (e *Engine) run(ctx context.Context, user string, write bool, fn func(*op) error) error {
	id := uuid.NewString()
	body := func(tx store.Tx) error {
		acc, err := tx.Access(user)
		if errors.Is(err, store.ErrNotFound) {
			dep, err := e.deployment(ctx, tx)
			if err != nil {
				return err
			}
			// Only a caller with the store itself names an unknown user
			// (a local --as): the Web API's users come from tokens, and
			// acting for another user needs a system administrator
			// (OnBehalfOf), so the names suggested are the ones bpfc user
			// list would show that caller.
			reason, err := NotAUser(tx, user, dep.env)
			if err != nil {
				return err
			}
			return &ForbiddenError{User: user, Reason: reason}
		}
		if err != nil {
			return err
		}
		dep, err := e.deploymentAt(ctx, tx, acc.Generation)
		if err != nil {
			return err
		}
		if err := forbidden(user, acc); err != nil {
			return err
		}
		return fn(&op{ctx: ctx, e: e, tx: tx, dep: dep, acc: acc, now: e.o.Now().UTC(), user: user, id: id})
	}
	if write {
		return e.s.WriteShared(ctx, body)
	}
	return e.s.Read(ctx, body)
}

// forbidden refuses a user who may do nothing: disabled, or without a
// role.
func forbidden(user string, acc store.Access) error {
	switch {
	case acc.User.Disabled:
		return &ForbiddenError{User: user, Reason: "is disabled"}
	case !acc.FullAccess && len(acc.User.Roles) == 0:
		return &ForbiddenError{User: user, Reason: NoRoleReason(user)}
	}
	return nil
}

// NoRoleReason says that user has no role, and how an administrator gives
// one (the report refuses such a user in the same words). Its commands name
// no environment (--env E): a Web API client's request names none.
func NoRoleReason(user string) string {
	return NoRoleReasonIn(user, "bpfc", "E")
}

// NoRoleReasonIn is NoRoleReason with its commands as they run: bpfc
// (with the -C a command ran with) against env. The CLI, which knows both,
// says this one in place of NoRoleReason's.
func NoRoleReasonIn(user, bpfc, env string) string {
	return fmt.Sprintf("has no security role (%s user set %s --role ROLE --env %s gives them one; %s user list --env %s shows the roles others have)", bpfc, user, env, bpfc, env)
}

// loaded is the deployment loaded last, nil before the first.
func (e *Engine) loaded() *deployment {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.dep
}

// rememberInstance caches which instance table holds an instance.
func (e *Engine) rememberInstance(id, table string) {
	e.imu.Lock()
	defer e.imu.Unlock()
	if len(e.instTable) >= 100_000 {
		clear(e.instTable)
	}
	e.instTable[id] = table
}

func (e *Engine) instanceTable(id string) (string, bool) {
	e.imu.Lock()
	defer e.imu.Unlock()
	t, ok := e.instTable[id]
	return t, ok
}
