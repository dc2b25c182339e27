package store

import (
	"context"
	"errors"
	"time"
)

// Errors every backend returns (wrapped) for these conditions.
var (
	// ErrNotFound: the named object does not exist.
	ErrNotFound = errors.New("not found")
	// ErrForbidden: the acting user may not do this (engine's and
	// report's refusals both wrap it).
	ErrForbidden = errors.New("forbidden")
	// ErrBusy: another writer (an import) held the environment — or, for a
	// shared write, another transaction held a row it changes — for longer
	// than the busy timeout.
	ErrBusy = errors.New("the environment is busy: an import, or a transaction holding what this one needs, kept it longer than the busy timeout; try again")
	// ErrCommitUnknown: a write's COMMIT got no answer from the server —
	// its context ended in flight, or the connection was lost — so the
	// server may have committed it or not.
	ErrCommitUnknown = errors.New("the write's COMMIT got no answer (interrupted, or the connection was lost): whether it was committed is unknown")
	// ErrExists: an object that must be new already exists.
	ErrExists = errors.New("already exists")
	// ErrConflict: a row changed since the version the caller read
	// (optimistic concurrency on the row version).
	ErrConflict = errors.New("changed by someone else")
	// ErrContended: a shared write lost MaxSharedAttempts races in a row
	// and gave up; it also wraps ErrConflict.
	ErrContended = errors.New("concurrent changes to the same rows")
)

// Silent wraps err so that errors.Is and As find it while it adds no text
// to a message: fmt.Errorf("no flow %q%w", name, Silent(ErrNotFound)).
func Silent(err error) error { return silent{err} }

type silent struct{ err error }

func (silent) Error() string   { return "" }
func (e silent) Unwrap() error { return e.err }

// Store is one environment. A Store is safe for concurrent use, by several
// processes too. Write transactions come in two kinds: Write is exclusive
// (imports, migrations: nothing else writes meanwhile); WriteShared is for
// run-time changes of rows (stage transitions, records, workflow jobs),
// which may run beside each other but never beside a Write.
type Store interface {
	// Meta describes the environment.
	Meta(ctx context.Context) (Meta, error)
	// Read runs fn in a read-only transaction over a consistent snapshot.
	Read(ctx context.Context, fn func(Tx) error) error
	// Write runs fn in the environment's exclusive write transaction and
	// commits when fn returns nil; any error (or a panic, or the process
	// dying) leaves the environment as it was. When another writer holds the
	// environment, Write calls the WaitNotice of ctx (if any) once, waits up
	// to the backend's busy timeout, then returns an error wrapping ErrBusy.
	Write(ctx context.Context, fn func(Tx) error) error
	// WriteShared runs fn in a run-time write transaction and commits when
	// fn returns nil. It waits for a Write as Write does (WaitNotice, the
	// busy timeout, ErrBusy) and a Write waits for it, so fn sees the
	// environment's definitions (tables, roles, deployments) as one Write
	// left them; it starts after every Write that committed before it.
	//
	// Backends that can (PostgreSQL) run shared writes beside each other,
	// each on one snapshot of the rows taken when it starts. Two that
	// change the same row cannot both commit: the later one is rolled back
	// and fn runs again from the start, in a new transaction, up to
	// MaxSharedAttempts times in all; after that WriteShared returns an
	// error wrapping ErrConflict and ErrContended. So fn must keep its effects in the
	// transaction (what it does elsewhere may happen more than once), and
	// a decision on a row fn reads but does not write must be guarded by
	// that row's version (UpdateRow's version): another shared write may
	// change it before fn commits. Backends that cannot (SQLite) run one
	// write at a time, so that WriteShared is Write, queued in the process.
	WriteShared(ctx context.Context, fn func(Tx) error) error
	// Close releases the store.
	Close() error
}

// MaxSharedAttempts is how many times WriteShared runs fn when concurrent
// shared writes keep changing the rows it changes.
const MaxSharedAttempts = 10

// RowReader is a Store that reads one row outside any transaction, in a
// single statement (consistent by itself): what an optimistic change reads
// before it takes the write lock. Backends may implement it; callers find
// it by a type assertion on the Store and fall back on Read.
type RowReader interface {
	// ReadRow reads a row as Tx.GetRow does.
	ReadRow(ctx context.Context, t Table, id string) (Row, error)
}

// RowLocker is a Tx that locks a row for the rest of the transaction: what
// a shared write does to a row its decision reads but does not change
// (the record an instance is started on, whose instances it counts), so
// that two such writes cannot both decide on the same state. Backends that
// run shared writes beside each other implement it; callers find it by a
// type assertion.
type RowLocker interface {
	// LockRow locks the row of t whose primary key is id as a change of
	// the row would, without changing a value: a concurrent shared write
	// that locks or changes it waits for this transaction and then runs
	// again from the start on a new snapshot (see Store.WriteShared). Where
	// it locks, it returns an error wrapping ErrNotFound when there is no
	// such row; where shared writes run one at a time it does nothing.
	LockRow(t Table, id string) error
}

// Meta describes an environment store.
type Meta struct {
	Name          string    // the environment's name, recorded at creation
	Backend       string    // "sqlite", "postgres"
	Location      string    // file path or connection string without secrets
	CreatedOn     time.Time // when the environment was created
	SchemaVersion int       // the highest applied migration
}

type waitKey struct{}

// WithWaitNotice returns a context whose Write calls notice once before it
// waits for another writer.
func WithWaitNotice(ctx context.Context, notice func()) context.Context {
	return context.WithValue(ctx, waitKey{}, notice)
}

// WaitNotice returns the notice of ctx, or a no-op.
func WaitNotice(ctx context.Context) func() {
	if f, ok := ctx.Value(waitKey{}).(func()); ok && f != nil {
		return f
	}
	return func() {}
}

// Tx is a transaction on an environment. Methods that change something fail
// in a read-only transaction. Lists are sorted by name unless said otherwise.
// Getters return an error wrapping ErrNotFound when the object is absent.
type Tx interface {
	// Publishers.
	PutPublisher(Publisher) error
	Publisher(name string) (Publisher, error)

	// Solutions (installed and holding) and their components.
	Solutions() ([]Solution, error)
	Solution(name string) (Solution, error)
	PutSolution(Solution) error
	// DeleteSolution removes the solution row and its component list; the
	// components themselves are removed by the caller.
	DeleteSolution(name string) error
	// RenameSolution renames a solution (a holding solution becoming the
	// installed one), moving its component list.
	RenameSolution(old, new string) error
	Components(solution string) ([]Component, error)
	// SetComponents replaces the component list of a solution.
	SetComponents(solution string, cs []Component) error

	// Workflow records: business process flows (category 4) and classic
	// workflows (category 0), with their stages and steps.
	Workflows() ([]Workflow, error)
	Workflow(id string) (Workflow, error)
	PutWorkflow(Workflow) error
	DeleteWorkflow(id string) error // with its stages and steps
	// SetStages replaces the stages (with their steps) of a workflow.
	SetStages(workflowID string, stages []Stage) error
	Stages(workflowID string) ([]Stage, error) // in flow order

	// Environment variables.
	VariableDefinitions() ([]VariableDefinition, error)
	PutVariableDefinition(VariableDefinition) error
	DeleteVariableDefinition(schemaName string) error // with its value
	VariableValue(schemaName string) (VariableValue, error)
	PutVariableValue(VariableValue) error
	DeleteVariableValue(schemaName string) error
	// PutStagedValue keeps a value as it was before a staged upgrade
	// changed it; StagedValues are those its holding solution keeps, by
	// schema name. DeleteSolution of the holding solution drops them.
	PutStagedValue(StagedValue) error
	StagedValues(holding string) ([]StagedValue, error)

	// Tables: metadata and the real SQL tables behind it.
	Tables() ([]Table, error) // with their columns
	Table(name string) (Table, error)
	// CreateTable records a table and creates its SQL table with every
	// column, plus the row-version column RowVersionColumn.
	CreateTable(Table) error
	// DropTable removes a table, its rows and the privileges on it.
	DropTable(name string) error
	// AddColumn adds a column to an existing table (metadata and SQL).
	AddColumn(table string, c Column) error
	// FillColumn sets column to from's value in the rows where it is
	// empty, without a new row version: a system column added to rows
	// that were there before it (createdby from ownerid).
	FillColumn(table, column, from string) error
	// UpdateColumn rewrites a column's metadata; the type cannot change.
	UpdateColumn(table string, c Column) error
	// UpdateTable rewrites a table's metadata (not its columns).
	UpdateTable(Table) error
	DropColumn(table, column string) error

	// Rows of real tables, by column name. Values: string, int64, float64,
	// bool, time.Time, []byte or nil.
	InsertRow(table string, values map[string]any) error
	CountRows(table string) (int, error)
	// GetRow reads the row of t (metadata as Table returns it) whose
	// primary key is id, every column converted by its type: string,
	// int64 (integer, choice, state, status, row version), float64
	// (decimal, money), bool, time.Time (datetime) or nil. Only t's
	// Columns are read: a caller may pass a subset.
	GetRow(t Table, id string) (Row, error)
	// FindRows reads the rows of t whose columns equal the values of match
	// (nil matches an empty column), in primary-key order; a nil match
	// reads every row.
	FindRows(t Table, match map[string]any) ([]Row, error)
	// UpdateRow writes values into the row of t whose primary key is id and
	// increments its row version, returning the new one. With version > 0
	// it writes only when the row's version is still version, else it
	// returns an error wrapping ErrConflict.
	UpdateRow(t Table, id string, values map[string]any, version int64) (int64, error)
	// DeleteRow deletes the row of t whose primary key is id, with the
	// lookup targets it keeps.
	DeleteRow(t Table, id string) error
	// SetLookupTargets keeps the tables of polymorphic lookups' values as
	// they are written (one per table, row and column, the last one
	// written); a target without Target forgets the column's. A target
	// is the value's only while the column still holds its Value: a
	// caller compares them (a write that names no table leaves it).
	SetLookupTargets(ts []LookupTarget) error
	// LookupTargets reads the targets kept for rows of table, by row id.
	LookupTargets(table string, rows []string) ([]LookupTarget, error)

	// Security roles and their privileges on tables.
	Roles() ([]Role, error)
	Role(name string) (Role, error)
	PutRole(Role) error
	DeleteRole(name string) error // with its privileges and user assignments
	// SetPrivileges replaces a role's privileges.
	SetPrivileges(role string, ps []Privilege) error
	Privileges(role string) ([]Privilege, error) // sorted by table, then privilege

	// Users: rows of systemuser and their roles.
	Users() ([]User, error)
	User(name string) (User, error)
	// UsersFolded lists the users whose names strings.EqualFold takes for
	// name (ID and Name only), by an index on FoldName of the names.
	UsersFolded(name string) ([]User, error)
	// OtherUserWithRole says whether an enabled user other than except (a
	// systemuserid) holds role: whether an environment keeps an
	// administrator, asked without reading every user.
	OtherUserWithRole(role, except string) (bool, error)
	PutUser(User) error
	// Access is what the named user may do: the user, whether a role gives
	// full access, and the privileges of all its roles, with the import
	// generation (one query, none when a shared write's snapshot has the
	// access stamp under which the store read it last).
	Access(user string) (Access, error)

	// The stage log: every stage entry and exit of every process instance.
	// AddStageVisit records an entry (the visit is open until closed);
	// CloseStageVisit records the exit from an instance's latest visit,
	// its open one (ErrNotFound when it is closed or there is none, except
	// in a shared write that holds its statements for the next round trip,
	// as PostgreSQL's does: there it reports nothing and changes nothing);
	// StageVisits lists visits in the order they began. In such a
	// transaction a failed held write is reported by a later statement or
	// by the commit.
	AddStageVisit(StageVisit) error
	CloseStageVisit(instanceID string, left time.Time, by, how string) error
	StageVisits(f StageVisitFilter) ([]StageVisit, error)
	// DeleteStageLog deletes the stays and ends of a flow's instance, or of
	// every instance of the flow when instanceID is "": a deleted
	// instance or flow leaves nothing for reports to count.
	DeleteStageLog(workflowID, instanceID string) error

	// Imported archives (content-addressed by SHA-256) and deployed model
	// snapshots (by build digest).
	PutArchive(Archive) error
	Archive(sha256 string) (Archive, error)
	PutSnapshot(Snapshot) error
	Snapshot(digest string) (Snapshot, error)

	// The import history.
	AddImport(ImportRecord) (int64, error)
	// RewriteImports replaces the message of each history entry that
	// contains the text by rewrite's: a value that became a secret's is
	// taken out of the record.
	RewriteImports(containing string, rewrite func(message string) string) error
	Imports(f ImportFilter) ([]ImportRecord, error) // newest first
}
