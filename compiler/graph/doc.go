// Package graph draws a business process flow: its stages in written order
// with their tables (cross-table stages marked), categories and steps
// (required ones marked with an asterisk), the default next moves, and the
// branches labelled with their conditions.
//
// Entry points: New builds a Graph from the checked model; WriteSVG draws it
// as a self-contained SVG image laid out by bpfc itself (no external tool),
// WriteDOT as Graphviz DOT and WriteMermaid as a Mermaid flowchart; Write
// picks one of Formats. Output is deterministic: the same flow draws the
// same bytes on every machine.
//
// Dependencies: compiler only.
package graph
