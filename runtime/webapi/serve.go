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

// Serve serves on ln until ctx ends, then shuts down gracefully: it stops
// accepting, lets the requests in flight finish (up to ShutdownTimeout),
// then stops the background workers (their context is cancelled) and waits
// for them. Workers run beside the server for as long as it serves, e.g.
// the workflow runtime's job runner.
func (s *Server) Serve(ctx context.Context, ln net.Listener, workers ...func(context.Context) error) error {
	lim := s.cfg.Limits
	hs := &http.Server{
		Handler:           s.h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       5 * time.Minute, // an import's body may be large
		WriteTimeout:      max(lim.RequestTimeout, lim.ImportTimeout) + 30*time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	wctx, stopWorkers := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWorkers()
	var wg sync.WaitGroup
	werrs := make(chan error, len(workers))
	for _, w := range workers {
		wg.Go(func() {
			if err := w(wctx); err != nil && !errors.Is(err, context.Canceled) {
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
	s.log.Info("shutting down: finishing requests in flight")
	sctx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
	defer cancel()
	if serr := hs.Shutdown(sctx); serr != nil && err == nil {
		err = serr
	}
	stopWorkers()
	wg.Wait()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	s.log.Info("stopped")
	return err
}
