// Package environ says where a project's environments live and opens their
// stores: SQLite at <project>/.bpfc/<env>.db unless the environment's store
// attribute says otherwise: "sqlite://PATH" (relative to the project), or
// "postgres://…", a PostgreSQL database in which the environment is the
// schema bpfc_<env> (runtime/store/postgres). Remote environments (url) are
// refused as not supported yet.
package environ
