package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"cpr/register"
)

// serveConfig is everything "cpr serve" is told, by flag or environment.
type serveConfig struct {
	data string
	addr string
	demo bool
}

func runServe(ctx context.Context, args []string, _ io.Reader, out, errOut io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(errOut)
	var c serveConfig
	fs.StringVar(&c.data, "data", envOr("CPR_DATA", "./data"), "data directory (env CPR_DATA)")
	fs.StringVar(&c.addr, "addr", envOr("CPR_ADDR", "127.0.0.1:8080"), "HTTP listen address (env CPR_ADDR)")
	fs.BoolVar(&c.demo, "demo", os.Getenv("CPR_DEMO") == "1", "load a demo population into an empty register (env CPR_DEMO=1)")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	log := slog.New(slog.NewTextHandler(errOut, nil))
	if err := os.MkdirAll(c.data, 0o750); err != nil {
		return err
	}
	reg, err := register.Open(filepath.Join(c.data, "register"), register.Options{Logger: log})
	if err != nil {
		return err
	}
	defer reg.Close()

	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	log.Info("cpr serving", "addr", ln.Addr().String(), "version", version)
	fmt.Fprintf(out, "cpr %s listening on http://%s\n", version, ln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shut, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(shut); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
