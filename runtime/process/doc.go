// Package process holds the business-process-flow semantics that do not
// depend on storage: evaluating conditions on a record, resolving a flow's
// active path, and deciding whether a move is allowed. The runtime engine
// applies its decisions in a transaction; the Web API and pages reuse it.
package process
