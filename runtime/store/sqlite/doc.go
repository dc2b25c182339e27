// Package sqlite is the embedded environment store: one SQLite file per
// environment (modernc.org/sqlite, no cgo), in WAL mode with synchronous=FULL
// so that a committed import survives a crash and an interrupted one leaves
// nothing behind. Writes take the database with BEGIN IMMEDIATE, so two
// imports never interleave: the second waits up to the busy timeout, then
// fails with store.ErrBusy.
//
// Entry point: Open(ctx, path, Options).
package sqlite
