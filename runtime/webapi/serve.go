package webapi

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"
)

// ShutdownTimeout is how long a shutdown waits for requests in flight.
const ShutdownTimeout = 30 * time.Second

// maxRequestHead is what Go's server reads of a request line and its
// headers before it answers 431 itself, in plain text: well above what the
// server takes (maxHeaderBytes, maxPathBytes, Limits.MaxQuery), so that a
// client hears of a long URL or headers in JSON (bounded).
const maxRequestHead = 1 << 20

// Worker runs beside a server for as long as it serves, e.g. the workflow
// runtime's job runner: once stop is closed it takes no more work, and it
// abandons the work in hand when ctx ends.
type Worker func(ctx context.Context, stop <-chan struct{}) error

// Serve serves on ln until ctx ends, then shuts down gracefully: it stops
// accepting and tells the workers to take no more jobs, lets the requests
// in flight and the workers' jobs in hand finish (up to ShutdownTimeout, or
// until Config.Abandon is closed), then cancels what still runs (a job
// goes back to the queue at the step it reached) and waits for it.
func (s *Server) Serve(ctx context.Context, ln net.Listener, workers ...Worker) error {
	lim := s.cfg.Limits
	hs := &http.Server{
		Handler:           s.h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       5 * time.Minute, // an import's body may be large
		WriteTimeout:      max(lim.RequestTimeout, lim.ImportTimeout) + 30*time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    maxRequestHead,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	wctx, abandonWork := context.WithCancel(context.WithoutCancel(ctx))
	defer abandonWork()
	stopping := make(chan struct{})
	var wg sync.WaitGroup
	werrs := make(chan error, len(workers))
	for _, w := range workers {
		wg.Go(func() {
			if err := w(wctx, stopping); err != nil && !errors.Is(err, context.Canceled) {
				werrs <- err
			}
		})
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	s.log.Info("serving", "addr", ln.Addr().String())
	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
	case err = <-werrs:
	}
	s.log.Info("shutting down: finishing requests in flight and the jobs in hand")
	close(stopping)
	sctx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
	defer cancel()
	if s.cfg.Abandon != nil {
		go func() {
			select {
			case <-s.cfg.Abandon:
				cancel()
			case <-sctx.Done():
			}
		}()
	}
	if serr := hs.Shutdown(sctx); serr != nil {
		hs.Close() // cut off what still runs: its transactions roll back
		if err == nil {
			err = serr
		}
	}
	workersDone := make(chan struct{})
	go func() { wg.Wait(); close(workersDone) }()
	select {
	case <-workersDone:
	case <-sctx.Done():
		abandonWork()
		<-workersDone
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	s.log.Info("stopped")
	return err
}
