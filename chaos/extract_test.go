package chaos

import (
	"context"
	"testing"
)

func TestExtract(t *testing.T) {
	skipLong(t, "eight status extracts compared under a stream of changes")
	rep, err := Extract(context.Background(), ExtractConfig{Dir: t.TempDir(), Persons: 3000, Extracts: 8})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", rep)
	if rep.Mismatches > 0 {
		t.Errorf("%d of %d records differ from the register at the extract's snapshot; first: %s", rep.Mismatches, rep.Records, rep.FirstDifference)
	}
	if rep.Extracts != 8 || rep.Records == 0 {
		t.Errorf("%d extracts compared, %d records", rep.Extracts, rep.Records)
	}
	if rep.ChangesDuring == 0 || rep.ChangedBefore == 0 {
		t.Errorf("the extracts saw no stream: %d changes during them, %d persons changed before their snapshots", rep.ChangesDuring, rep.ChangedBefore)
	}
	if rep.ServerErrors > 0 {
		t.Errorf("%d server errors", rep.ServerErrors)
	}
}
