package main

import (
	"os"
	"os/signal"
	"syscall"
)

// signals are the process's SIGINT and SIGTERM, and the function that
// stops catching them.
func signals() (<-chan os.Signal, func()) {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	return sigs, func() { signal.Stop(sigs) }
}

// onInterrupts runs, until done is closed, soft at the first interrupt
// and hard at the second: how job run and serve stop (the work in hand
// ends first; a second Ctrl-C ends it at once).
func onInterrupts(interrupts <-chan os.Signal, done <-chan struct{}, soft, hard func()) {
	go func() {
		select {
		case <-interrupts:
			if isClosed(done) {
				return // the work ended as the interrupt came: nothing to stop
			}
		case <-done:
			return
		}
		soft()
		select {
		case <-interrupts:
			hard()
		case <-done:
		}
	}()
}

func isClosed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}
