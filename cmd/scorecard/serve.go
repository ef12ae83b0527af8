package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/childrens-trust/scorecard/api"
)

// serve runs the HTTP server until ctx is cancelled (SIGINT/SIGTERM), then drains requests for up
// to ten seconds and closes the database cleanly.
func (m *Main) serve(ctx context.Context, args []string) error {
	var c common
	fs := m.flags("serve", &c)
	addr := fs.String("addr", "localhost:8080", "address to listen on (host:port)")
	if err := parse(fs, args); err != nil {
		return err
	}
	app, err := m.open(ctx, c)
	if err != nil {
		return err
	}
	defer app.Close()

	srv := &api.Server{Engine: app.Engine, Datasets: app.Datasets, Catalog: app.Catalog, Areas: app.Areas, Log: app.Log}
	httpSrv := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          nil,
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	app.Log.Info("serving", "url", "http://"+ln.Addr().String(), "db", app.DB.Path)
	if m.Ready != nil {
		m.Ready <- ln.Addr().String()
	}
	errc := make(chan error, 1)
	go func() { errc <- httpSrv.Serve(ln) }()
	select {
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("serve: %w", err)
		}
	case <-ctx.Done():
		app.Log.Info("shutting down")
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := httpSrv.Shutdown(shutdownCtx); err != nil {
			return fmt.Errorf("shutdown: %w", err)
		}
	}
	return nil
}
