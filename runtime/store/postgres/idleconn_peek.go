//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package postgres

import "syscall"

// peek tells whether the socket fd has a byte waiting, its end of file
// or an error, without reading it or waiting.
func peek(fd uintptr) bool {
	var b [1]byte
	for {
		_, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		switch err {
		case nil:
			return true // a byte (n 1), or the end of file (n 0)
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return false // nothing came
		}
		return true // ECONNRESET and the like
	}
}
