package chaos

import (
	"context"
	"testing"
)

func TestAbuse(t *testing.T) {
	in, acc, err := Abuse(context.Background(), AbuseConfig{Bin: cprBinary(t), Dir: t.TempDir(), Persons: 1000})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("bad input: sent %d, classes %v", in.Sent, in.Classes)
	t.Logf("access: %+v", acc)
	t.Logf("flood: %d bad-token requests grew the register directory by %d bytes (%.0f requests/s)",
		acc.FloodRequests, acc.FloodGrowthBytes, acc.FloodPerSecond)
	if in.ServerErrors > 0 || in.Changes > 0 || in.NotProblem > 0 {
		t.Errorf("bad input: %d server errors, %d changes, %d answers not problem+json: %v", in.ServerErrors, in.Changes, in.NotProblem, in.Examples)
	}
	if acc.Allowed > 0 || acc.Unlogged > 0 || acc.ServerErrors > 0 || acc.NATSReads > 0 {
		t.Errorf("access: %d allowed, %d not logged, %d server errors, %d NATS reads: %v", acc.Allowed, acc.Unlogged, acc.ServerErrors, acc.NATSReads, acc.Examples)
	}
	if acc.Unauthenticated < 100 || acc.StoredUnauthenticated > 0 {
		t.Errorf("%d unauthenticated attempts, %d of them stored in the access log", acc.Unauthenticated, acc.StoredUnauthenticated)
	}
	// Stored, each would take over 100 bytes (47 MB for 400,000 before
	// they were counted instead); what remains is Pebble's own files.
	if acc.FloodRequests < 20000 || acc.FloodGrowthBytes > int64(acc.FloodRequests)*10 {
		t.Errorf("a flood of %d bad-token requests grew the register by %d bytes", acc.FloodRequests, acc.FloodGrowthBytes)
	}
	if in.Sent < 1000 || acc.Attempts < 100 {
		t.Errorf("only %d bad inputs and %d access attempts", in.Sent, acc.Attempts)
	}
}
