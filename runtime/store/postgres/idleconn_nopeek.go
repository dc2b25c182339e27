//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package postgres

// peek cannot look at a socket here: a connection is pinged before reuse
// only after a second idle, as the driver does by default.
func peek(fd uintptr) bool { return false }
