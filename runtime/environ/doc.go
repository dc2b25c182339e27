// Package environ says where a project's environments live and opens their
// stores: SQLite at <project>/.bpfc/<env>.db unless the environment's store
// attribute says otherwise ("sqlite://PATH", relative to the project). Other
// kinds of environment (PostgreSQL stores, remote environments with url) are
// refused as not supported yet.
package environ
