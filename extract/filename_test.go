package extract

import (
	"testing"

	"cpr/date"
	"cpr/subscription"
)

// TestFileName: one rule names every extract file, the kind's letter,
// the day as YYMMDD, the task number in six digits, and the format's
// extension (none for P12170).
func TestFileName(t *testing.T) {
	sub := &subscription.Subscriber{ID: "kbh", TaskNumber: 101}
	for _, c := range []struct {
		kind FileKind
		task int
		day  date.Date
		f    Format
		want string
	}{
		{ChangeFile, 101, date.MustNew(2026, 11, 20), P12170, "D261120.L000101"},
		{ChangeFile, 101, date.MustNew(2026, 11, 20), JSONL, "D261120.L000101.jsonl"},
		{ChangeFile, 101, date.MustNew(2026, 11, 20), CSV, "D261120.L000101.csv"},
		{StatusFile, 101, date.MustNew(2026, 11, 20), P12170, "S261120.L000101"},
		{StatusFile, 101, date.MustNew(2026, 11, 20), JSONL, "S261120.L000101.jsonl"},
		{StatusFile, 101, date.MustNew(2026, 11, 20), CSV, "S261120.L000101.csv"},
		{StatusFile, 4711, date.MustNew(2001, 1, 5), JSONL, "S010105.L004711.jsonl"},
		{ChangeFile, 999999, date.MustNew(2100, 12, 31), P12170, "D001231.L999999"},
	} {
		sub.TaskNumber = c.task
		if got := FileName(c.kind, sub, c.day, c.f); got != c.want {
			t.Errorf("FileName(%c, %d, %s, %s) = %q, want %q", c.kind, c.task, c.day, c.f, got, c.want)
		}
	}
}
