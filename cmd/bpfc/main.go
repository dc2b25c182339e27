// Command bpfc compiles, ships and runs Dataverse business process flows kept
// as HCL in git. This package is a thin cobra layer: it parses flags, calls the
// compiler, solution and runtime packages, and prints.
package main

import "os"

func main() {
	os.Exit(Main())
}
