package chaos

import (
	"context"
	"testing"
	"time"
)

func TestLoad(t *testing.T) {
	rep, err := Load(context.Background(), 1000, 2, 500*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Steps) == 0 {
		t.Fatal("no load step ran")
	}
	t.Logf("%+v", rep)
}
