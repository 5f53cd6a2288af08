package peer

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5"
)

// startServer starts a server for a test, or skips the test when
// PostgreSQL is not installed.
func startServer(t *testing.T) *Server {
	t.Helper()
	if _, err := BinDir(); errors.Is(err, ErrNoPostgres) {
		t.Skip("PostgreSQL server binaries not installed (apt-get install -y postgresql); skipping the peer test")
	}
	s, err := Start(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Error(err)
		}
	})
	return s
}

func TestServerDurability(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	c, err := pgx.Connect(ctx, s.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	for _, kv := range [][2]string{{"fsync", "on"}, {"synchronous_commit", "on"}, {"full_page_writes", "on"}, {"listen_addresses", "127.0.0.1"}} {
		var v string
		if err := c.QueryRow(ctx, "SELECT current_setting($1)", kv[0]).Scan(&v); err != nil {
			t.Fatal(err)
		}
		if v != kv[1] {
			t.Errorf("%s = %q, want %q", kv[0], v, kv[1])
		}
	}
}
