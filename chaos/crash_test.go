package chaos

import (
	"context"
	"testing"
)

func TestCrash(t *testing.T) {
	skipLong(t, "three kills of a serving register")
	rep, err := Crash(context.Background(), CrashConfig{Bin: cprBinary(t), Dir: t.TempDir(), Persons: 2000, Kills: 3, Progress: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Lost > 0 || rep.Duplicates > 0 || rep.HalfVisible > 0 || rep.JournalGaps > 0 || rep.StreamGaps > 0 || rep.StreamDups > 0 || rep.ServerErrors > 0 {
		t.Errorf("after %d kills: %+v", rep.Kills, rep)
	}
	if rep.Acknowledged == 0 || rep.Found != rep.Acknowledged || rep.StreamChecked != rep.Journal {
		t.Errorf("acknowledged %d, found %d, stream %d of %d journal events", rep.Acknowledged, rep.Found, rep.StreamChecked, rep.Journal)
	}
}
