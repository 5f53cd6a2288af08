package chaos

import (
	"context"
	"testing"
)

func TestNATS(t *testing.T) {
	skipLong(t, "kills and restarts of NATS under load")
	rep, err := NATS(context.Background(), NATSConfig{Bin: cprBinary(t), NATSServer: natsBinary(t), Dir: t.TempDir(),
		Persons: 1000, Kills: 2, Restarts: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", rep)
	if rep.Lost > 0 || rep.Duplicates > 0 || rep.StreamGaps > 0 || rep.StreamDuplicates > 0 || rep.ServerErrors > 0 {
		t.Errorf("NATS faults: %d lost, %d duplicates, stream %d gaps %d duplicates, %d server errors",
			rep.Lost, rep.Duplicates, rep.StreamGaps, rep.StreamDuplicates, rep.ServerErrors)
	}
	if rep.StreamMessages == 0 || rep.StreamMessages != rep.JournalAfterFault {
		t.Errorf("stream %d messages, journals %d events", rep.StreamMessages, rep.JournalAfterFault)
	}
}
