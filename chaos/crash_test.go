package chaos

import (
	"context"
	"testing"
)

func TestCrash(t *testing.T) {
	rep, err := Crash(context.Background(), CrashConfig{Bin: cprBinary(t), Dir: t.TempDir(), Persons: 2000, Kills: 3, Progress: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", rep)
}
