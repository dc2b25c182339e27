// Package scaleout holds the end-to-end test of one environment served by
// several bpfc processes (issue 9): it builds the bpfc binary, deploys a
// small project to a PostgreSQL environment, runs three `bpfc serve`
// processes against that one database with their workflow workers, drives
// concurrent stage transitions through the Web API, kills one server with
// SIGKILL part way, and then checks in the database that every acknowledged
// transition is in the stage log exactly once and that every background job
// ran exactly once. It needs BPFC_TEST_POSTGRES (runtime/store/postgres/pgtest)
// and is skipped without it. The package has no code besides its test.
package scaleout
