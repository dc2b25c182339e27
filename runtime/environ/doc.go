// Package environ says where a project's environments live and opens their
// stores: SQLite at <project>/.bpfc/<env>.db unless the environment's store
// attribute says otherwise: "sqlite://PATH" (relative to the project), or
// "postgres://…", a PostgreSQL database in which the environment is the
// schema bpfc_<env> (runtime/store/postgres). A remote environment (url =
// "http://…") is another machine's bpfc serve: Locate and Open refuse it
// with an error wrapping ErrRemote, and the commands that reach it
// (RemoteCommands) go through its Web API (runtime/webapi's Client).
package environ
