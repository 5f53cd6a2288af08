package chaos

import (
	"context"
	"testing"
)

func TestDisk(t *testing.T) {
	rep, err := Disk(context.Background(), DiskConfig{Dir: t.TempDir(), Persons: 1000, Faults: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", rep)
	if rep.ServerErrors > 0 || rep.Lost > 0 || rep.Duplicates > 0 || rep.HalfVisible > 0 {
		t.Errorf("disk faults: %d server errors, %d lost, %d duplicates, %d half visible", rep.ServerErrors, rep.Lost, rep.Duplicates, rep.HalfVisible)
	}
	if rep.Unavailable == 0 || rep.Injected == 0 || rep.Recovered != rep.Faults {
		t.Errorf("faults %d, injected %d, 503 answers %d, recovered %d", rep.Faults, rep.Injected, rep.Unavailable, rep.Recovered)
	}
}
