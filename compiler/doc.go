// Package compiler reads a bpfc project (every *.hcl file under a directory),
// checks it, and returns the model that the emitters, the solution packager
// and the runtime work from. Entry point: Load. Problems are hcl.Diagnostics
// with source ranges; Load reports all of them at once.
package compiler
