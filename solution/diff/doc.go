// Package diff compares two builds of a bpfc project for review: what flows,
// stages, steps, branches, roles, variables and tables were added, removed or
// changed (Semantic, over the models), then the unified diff of the
// generated XML, file by file (Files, with its own Myers line diff: Unified).
//
// Entry points: Open reads one side from what a user names (a project
// directory, a build folder, a solution archive or a git revision, built in a
// temporary worktree), Compare turns two sides into a Report, and
// Report.Write prints it as text, Markdown (for a pull-request comment) or
// stable JSON.
//
// Dependencies: compiler for the model, solution for building and for
// reading trees and archives. Reading an archive into a model is bpfc
// unpack's work and comes in through Options.ReadArchive.
package diff
