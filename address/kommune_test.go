package address

import (
	"bytes"
	"errors"
	"os"
	"testing"
)

func TestEmbeddedKommunerMatchesSharedData(t *testing.T) {
	shared, err := os.ReadFile("../../shared/data/kommuner.tsv")
	if errors.Is(err, os.ErrNotExist) {
		t.Skip("../../shared/data/kommuner.tsv not present")
	}
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(shared, []byte(kommunerTSV)) {
		t.Error("address/kommuner.tsv differs from shared/data/kommuner.tsv; copy it again")
	}
}

func TestKommuner(t *testing.T) {
	ks := Kommuner()
	if len(ks) != 98 {
		t.Fatalf("len(Kommuner()) = %d, want 98", len(ks))
	}
	for i := 1; i < len(ks); i++ {
		if ks[i-1].Code >= ks[i].Code {
			t.Fatalf("not ascending at %d: %d, %d", i, ks[i-1].Code, ks[i].Code)
		}
	}
	for _, k := range ks {
		if got, ok := LookupKommune(k.Code); !ok || got != k {
			t.Errorf("LookupKommune(%d) = %v, %v", k.Code, got, ok)
		}
	}
	ks[0].Name = "changed"
	if Kommuner()[0].Name != "København" {
		t.Error("Kommuner returned the shared slice")
	}
	for _, tc := range []struct {
		code uint16
		name string
		ok   bool
	}{
		{101, "København", true},
		{157, "Gentofte", true},
		{492, "Ærø", true},
		{860, "Hjørring", true},
		{0, "", false},
		{411, "", false}, // Christiansø is not a kommune
		{102, "", false},
		{9999, "", false},
	} {
		k, ok := LookupKommune(tc.code)
		if ok != tc.ok || k.Name != tc.name {
			t.Errorf("LookupKommune(%d) = %v, %v; want %q, %v", tc.code, k, ok, tc.name, tc.ok)
		}
	}
}

func TestParseKommunekode(t *testing.T) {
	for _, tc := range []struct {
		in     string
		want   uint16
		reason string // "" for success
	}{
		{"0101", 101, ""},
		{"0860", 860, ""},
		{"0147", 147, ""},
		{"101", 0, reasonFourDigits},
		{"00101", 0, reasonFourDigits},
		{" 101", 0, reasonFourDigits},
		{"", 0, reasonFourDigits},
		{"01a1", 0, reasonFourDigits},
		{"+101", 0, reasonFourDigits},
		{"0000", 0, reasonUnknownKommune},
		{"0411", 0, reasonUnknownKommune},
		{"9999", 0, reasonUnknownKommune},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseKommunekode(tc.in)
			if tc.reason == "" {
				if err != nil || got != tc.want {
					t.Fatalf("got %d, %v; want %d", got, err, tc.want)
				}
				return
			}
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != "kommunekode" || fe.Reason != tc.reason {
				t.Fatalf("err = %v; want kommunekode: %s", err, tc.reason)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Error("error does not match ErrInvalid")
			}
		})
	}
}
