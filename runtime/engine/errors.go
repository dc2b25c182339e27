package engine

import (
	"errors"
	"fmt"
	"strings"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/store"
)

// Errors the engine returns (wrapped, or as the typed errors below).
var (
	// ErrNotFound: an unknown table, record, instance, flow or user.
	ErrNotFound = store.ErrNotFound
	// ErrConflict: the instance or record changed since the version the
	// operation was decided on (*ConflictError).
	ErrConflict = store.ErrConflict
	// ErrForbidden: the acting user may not do this (*ForbiddenError).
	ErrForbidden = store.ErrForbidden
	// ErrInvalid: a value does not fit its column, or a request names
	// something it cannot (*ValueError, or a wrapped message).
	ErrInvalid = errors.New("invalid")
)

// Rules a refused operation names (ErrRefused.Rule).
const (
	RuleRequiredStep  = "required step"      // a required step of the stage is empty (a yes/no step is not yes)
	RuleLastStage     = "last stage"         // next from the last stage of the active path: finish instead
	RuleNotLastStage  = "not the last stage" // finish before the last stage of the active path
	RuleFirstStage    = "first stage"        // prev from the first stage
	RuleNotActive     = "not active"         // a move of a finished or aborted instance
	RuleAlreadyActive = "already active"     // reactivate of an active instance
	RuleMaxInstances  = "instances per record"
	RuleTraversedPath = "traversed path" // traversedpath would exceed 1,250 characters
	RuleLink          = "link"           // --link to a missing, foreign or same-table record
	RuleFlowInactive  = "flow not active"
	RuleFlowTable     = "flow table"     // a flow started on a record of another table
	RuleRecordDeleted = "record deleted" // the stage's record was deleted
	RuleWorkflow      = "workflow"       // a realtime workflow the change ran stopped it (canceled) or failed
	// Rules of the environment rather than of a flow: the state of a job
	// or a user refuses the operation, as an instance's state refuses a
	// move.
	RuleJobState     = "job state"          // a retry of a job that has not failed or been canceled, a cancel of one that has ended
	RuleLastAdmin    = "last administrator" // a user change that would leave no enabled system_administrator
	RuleUserDisabled = "user disabled"      // a token for a disabled user
)

// MaxInstancesPerRecord is how many process instances a record can hold.
const MaxInstancesPerRecord = 10

// MaxTraversedPath is the length of the traversedpath column.
const MaxTraversedPath = 1250

// ErrRefused is an operation a rule of the flow, or of the environment (a
// job's or a user's state), refuses; nothing changed.
type ErrRefused struct {
	Op       string   // what was refused, e.g. "move to the next stage"
	Rule     string   // one of the Rule constants
	Instance string   // the instance, when there is one (not for a job or a user)
	Stage    string   // the stage the rule is about
	Step     string   // RuleRequiredStep: the first missing step
	Steps    []string // RuleRequiredStep: every missing step
	// RuleRequiredStep: the stage's record and the columns that fill the
	// missing steps, so that a caller can say how to fill them without
	// reading the sentence.
	Table   string
	Record  string
	Missing []Missing
	Reason  string // the sentence that says why
	cause   error  // RuleWorkflow: the workflow's error
}

// Missing is a required step a move found unfilled: its column on the
// stage's table, and whether only Yes fills it (a yes/no step).
type Missing struct {
	Step   string `json:"step"`
	Column string `json:"column"`
	YesNo  bool   `json:"yes_no,omitempty"`
}

func (e *ErrRefused) Error() string { return "cannot " + e.Op + ": " + e.Reason }

// Unwrap is the workflow's error of a RuleWorkflow refusal.
func (e *ErrRefused) Unwrap() error { return e.cause }

// ForbiddenError is an operation the acting user's roles do not allow:
// a privilege no role grants on a table, or one granted at a depth that
// does not reach the row (Depth, Record and Owner set).
type ForbiddenError struct {
	User      string
	Privilege string // create read write delete append append_to; "" when the user itself is refused
	Table     string // the flow's instance table, or the record's table
	Flow      string // the flow, for a privilege on its instance table
	Depth     string // the widest depth the user holds the privilege at, when it does not reach Record
	Record    string // the row refused (Depth set)
	Owner     string // the row's owner, a user name ("" when it has none)
	Reason    string // what the user may not do, e.g. "read lead 1f3…"
	// NotAdmin is set when the user is refused for not being a system
	// administrator, and Roles are then the roles it has: a command that
	// gives it the role keeps them.
	NotAdmin bool
	Roles    []string
}

func (e *ForbiddenError) Error() string {
	if e.Privilege == "" {
		return fmt.Sprintf("user %q %s", e.User, e.Reason)
	}
	return fmt.Sprintf("user %q may not %s: %s", e.User, e.Reason, e.denied())
}

func (e *ForbiddenError) denied() string {
	if e.Depth == "" {
		return fmt.Sprintf("none of their roles grants %s on %s", e.Privilege, e.Table)
	}
	owner := "has no owner"
	if e.Owner != "" {
		owner = "is owned by " + e.Owner
	}
	return fmt.Sprintf("they hold %s on %s only at %s depth (their roles and the basic level every user has), which reaches the rows they own; %s %s %s",
		e.Privilege, e.Table, e.Depth, e.Table, e.Record, owner)
}

// Is makes errors.Is(err, ErrForbidden) hold.
func (e *ForbiddenError) Is(target error) bool { return target == ErrForbidden }

// ConflictError is a change to a row that changed since it was read.
type ConflictError struct {
	What     string // "instance", or the record's table
	ID       string
	Expected int64 // the version the change was decided on
	Actual   int64 // the version the row has now (0: unknown)
}

func (e *ConflictError) Error() string {
	if e.Actual > 0 && e.Expected > e.Actual {
		// Not a change by someone else: a version the row never had.
		return fmt.Sprintf("%s %s is at version %d, not %d: read it again and retry", e.What, e.ID, e.Actual, e.Expected)
	}
	now := ""
	if e.Actual > 0 {
		now = fmt.Sprintf(", now %d", e.Actual)
	}
	return fmt.Sprintf("%s %s was changed by someone else (version %d%s): read it again and retry", e.What, e.ID, e.Expected, now)
}

// Is makes errors.Is(err, ErrConflict) hold.
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

// ValueError is a value that does not fit its column.
type ValueError struct {
	Table  string
	Column string
	Type   string // the column's type
	Value  string // the value as given
	Reason string
}

func (e *ValueError) Error() string {
	return fmt.Sprintf("%s.%s is %s %s column: %s %s", e.Table, e.Column, compiler.Article(e.Type), e.Type, compiler.Shorten(e.Value), e.Reason)
}

// Is makes errors.Is(err, ErrInvalid) hold.
func (e *ValueError) Is(target error) bool { return target == ErrInvalid }

// ValuesError is every value of one write to a table that does not fit,
// in the order of their columns: each a *ValueError, or an unknown or
// system column's ErrInvalid. errors.As finds the first *ValueError.
type ValuesError struct {
	Table string
	Errs  []error // two or more
}

func (e *ValuesError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d of the values for %s do not fit, so nothing was written (correct them all and try again):", len(e.Errs), e.Table)
	for _, err := range e.Errs {
		b.WriteString("\n  ")
		b.WriteString(err.Error())
	}
	return b.String()
}

// Unwrap gives the values' errors, so that errors.Is(err, ErrInvalid)
// holds.
func (e *ValuesError) Unwrap() []error { return e.Errs }

// invalid is an ErrInvalid with a message.
func invalid(format string, args ...any) error {
	return fmt.Errorf("%s%w", fmt.Sprintf(format, args...), store.Silent(ErrInvalid))
}

// notFound is an ErrNotFound with a message.
func notFound(format string, args ...any) error {
	return fmt.Errorf("%s%w", fmt.Sprintf(format, args...), store.Silent(ErrNotFound))
}

// ChangeRefuser is an error of a hook that refuses the change that ran it
// (a realtime workflow that cancels it, or whose step fails): the engine
// answers it as an *ErrRefused with RuleWorkflow, as Dataverse shows a
// real-time workflow's error to the user who made the change.
type ChangeRefuser interface {
	error
	RefusesChange() bool
}

// hookRefusal turns a hook's refusal into *ErrRefused of op on instance at
// stage; any other error stays as it is.
func hookRefusal(err error, op, instance, stage string) error {
	var cr ChangeRefuser
	if err == nil || !errors.As(err, &cr) || !cr.RefusesChange() {
		return err
	}
	return &ErrRefused{Op: op, Rule: RuleWorkflow, Instance: instance, Stage: stage, Reason: err.Error(), cause: err}
}

// didYouMean is "; did you mean X?" for the known name a misspelt one most
// likely meant (closest, as the engine's other suggestions), or "".
func didYouMean(given string, known []string) string {
	if c := closest(given, known); c != "" {
		return "; did you mean " + c + "?"
	}
	return ""
}
