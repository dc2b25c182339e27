// Package deploy moves builds into environments, as Dataverse's solution
// import does: Import (one transaction: it applies completely or leaves the
// environment as it was, and a refusal names every cause), Plan (the same
// checks and the changes, writing nothing), ApplyUpgrade, Uninstall, and the
// pipeline operations Deploy (with the promote_from gate), Promote and
// Release. Status, Solutions and History read what is where.
//
// The input of an import is a Build: the checked model (a *compiler.Project,
// built fresh or decoded from the snapshot an environment keeps), its build
// digest and its archives. The environment keeps the model snapshot
// (compiler.EncodeModel) and both archives of every build it receives, so
// Promote re-imports exactly the build that is live in the source.
//
// A refusal changes nothing in the environment except its import history,
// which records every attempt with its result.
package deploy
