// Package engine runs the business process flows deployed in an
// environment, with Dataverse's semantics: records of standard and custom
// tables (values checked against their columns), process instances (start,
// next, prev, finish, abandon, reactivate, delete) in the flows' instance
// tables, the stage log every move writes, and users with their roles'
// privileges: on each flow's instance table (organization-owned: any depth
// reaches every instance), and, with their depth, on the records of every
// standard and custom table (privileges.go: a user-depth privilege reaches
// the rows the user owns; the one business unit makes business_unit and
// parent_child reach every row; setting a lookup needs append and
// append_to).
//
// The engine runs the model that is deployed — the snapshot the environment
// keeps of each installed solution's build (its staged upgrade when there is
// one) — never a project's sources; conditions read the environment's own
// variable values, so the same record can take another path in prod than in
// dev. The decoded model is cached and reloaded when an import changes the
// environment.
//
// Entry point: New(store, Options).As(user) is a Session; every method takes
// a context, runs in one transaction of the store and returns typed errors
// that the CLI and the Web API map to their own: ErrNotFound, ErrForbidden
// (*ForbiddenError), ErrConflict (*ConflictError), ErrInvalid (*ValueError;
// *ValuesError for every value of a write that does not fit, when more
// than one) and *ErrRefused (a rule of the flow, naming the rule, stage and step, or
// of the environment: a job's or a user's state). A
// failed call changes nothing.
//
// Concurrency: every change to an instance is optimistic on its row version
// (versionnumber). A move reads the instance's version, then decides and
// writes in the environment's write transaction only if the version is still
// the one it read (or the one the caller passes as IfVersion, e.g. from an
// ETag); otherwise it returns a *ConflictError and writes nothing. Two
// concurrent moves of one instance therefore never both apply to the same
// state: the loser is told, never silently overwritten.
//
// Workflows (on_enter, on_exit, on_finish, on_abandon) are not run here: the
// engine calls Options.Hooks inside each transition's transaction (see
// Hooks), where the workflow runtime plugs in.
package engine
