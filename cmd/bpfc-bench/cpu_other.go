//go:build !unix

package main

import "time"

// selfCPU is unknown here (0): the bench reports no CPU per move.
func selfCPU() time.Duration { return 0 }
