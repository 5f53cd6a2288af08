package address

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	type in struct{ k, v, h, e, d string }
	valid := []struct {
		name string
		in   in
		want Address
	}{
		{"plain", in{"0101", "0234", "12", "", ""}, Address{101, 234, "12", "", ""}},
		{"full", in{"0157", "0786", "123A", "st", "tv"}, Address{157, 786, "123A", "st", "tv"}},
		{"husnr leading zeros and lower letter", in{"0101", "0234", "012a", "", ""}, Address{101, 234, "12A", "", ""}},
		{"husnr spaces", in{"0101", "0234", " 7 ", "", ""}, Address{101, 234, "7", "", ""}},
		{"husnr fixed width", in{"0101", "0234", "0999", "", ""}, Address{101, 234, "999", "", ""}},
		{"husnr max with letter", in{"0101", "0234", "999Z", "", ""}, Address{101, 234, "999Z", "", ""}},
		{"etage ST", in{"0101", "0234", "1", "ST", ""}, Address{101, 234, "1", "st", ""}},
		{"etage St.", in{"0101", "0234", "1", "St.", ""}, Address{101, 234, "1", "st", ""}},
		{"etage KL", in{"0101", "0234", "1", "KL", ""}, Address{101, 234, "1", "kl", ""}},
		{"etage kl.", in{"0101", "0234", "1", "kl.", ""}, Address{101, 234, "1", "kl", ""}},
		{"etage 01", in{"0101", "0234", "1", "01", ""}, Address{101, 234, "1", "1", ""}},
		{"etage 1.", in{"0101", "0234", "1", "1.", ""}, Address{101, 234, "1", "1", ""}},
		{"etage padded", in{"0101", "0234", "1", "2 ", ""}, Address{101, 234, "1", "2", ""}},
		{"etage 99", in{"0101", "0234", "1", "99", ""}, Address{101, 234, "1", "99", ""}},
		{"door TH", in{"0101", "0234", "1", "2", "TH"}, Address{101, 234, "1", "2", "th"}},
		{"door tv.", in{"0101", "0234", "1", "2", "tv."}, Address{101, 234, "1", "2", "tv"}},
		{"door Mf", in{"0101", "0234", "1", "2", "Mf"}, Address{101, 234, "1", "2", "mf"}},
		{"door number leading zeros", in{"0101", "0234", "1", "2", "0003"}, Address{101, 234, "1", "2", "3"}},
		{"door number", in{"0101", "0234", "1", "", "9999"}, Address{101, 234, "1", "", "9999"}},
		{"door designation", in{"0101", "0234", "1", "", "A1"}, Address{101, 234, "1", "", "a1"}},
		{"door designation kept", in{"0101", "0234", "1", "", "01b"}, Address{101, 234, "1", "", "01b"}},
		{"door padded", in{"0101", "0234", "1", "", "tv  "}, Address{101, 234, "1", "", "tv"}},
		{"special without husnr", in{"0101", "9900", "", "", ""}, Address{101, 9900, "", "", ""}},
		{"special with husnr", in{"0751", "9999", "3", "st", ""}, Address{751, 9999, "3", "st", ""}},
	}
	for _, tc := range valid {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse(tc.in.k, tc.in.v, tc.in.h, tc.in.e, tc.in.d)
			if err != nil || got != tc.want {
				t.Fatalf("Parse = %+v, %v; want %+v", got, err, tc.want)
			}
			if err := got.check(); err != nil {
				t.Errorf("result not in normal form: %v", err)
			}
		})
	}

	invalid := []struct {
		name   string
		in     in
		field  string
		reason string
	}{
		{"kommunekode 3 digits", in{"101", "0234", "1", "", ""}, "kommunekode", reasonFourDigits},
		{"kommunekode 5 digits", in{"01010", "0234", "1", "", ""}, "kommunekode", reasonFourDigits},
		{"kommunekode letters", in{"abcd", "0234", "1", "", ""}, "kommunekode", reasonFourDigits},
		{"kommunekode empty", in{"", "0234", "1", "", ""}, "kommunekode", reasonFourDigits},
		{"kommunekode unknown", in{"0102", "0234", "1", "", ""}, "kommunekode", reasonUnknownKommune},
		{"kommunekode zero", in{"0000", "0234", "1", "", ""}, "kommunekode", reasonUnknownKommune},
		{"vejkode 3 digits", in{"0101", "234", "1", "", ""}, "vejkode", reasonFourDigits},
		{"vejkode letter", in{"0101", "02a4", "1", "", ""}, "vejkode", reasonFourDigits},
		{"vejkode empty", in{"0101", "", "1", "", ""}, "vejkode", reasonFourDigits},
		{"vejkode zero", in{"0101", "0000", "1", "", ""}, "vejkode", reasonVejkodeRange},
		{"husnr missing", in{"0101", "0234", "", "", ""}, "husnr", reasonHusnrRequired},
		{"husnr blank", in{"0101", "0234", "    ", "", ""}, "husnr", reasonHusnrRequired},
		{"husnr zero", in{"0101", "0234", "0", "", ""}, "husnr", reasonHusnr},
		{"husnr 1000", in{"0101", "0234", "1000", "", ""}, "husnr", reasonHusnr},
		{"husnr 5 digits", in{"0101", "0234", "00012", "", ""}, "husnr", reasonHusnr},
		{"husnr two letters", in{"0101", "0234", "12AB", "", ""}, "husnr", reasonHusnr},
		{"husnr letter only", in{"0101", "0234", "A", "", ""}, "husnr", reasonHusnr},
		{"husnr Danish letter", in{"0101", "0234", "12Æ", "", ""}, "husnr", reasonHusnr},
		{"husnr inner space", in{"0101", "0234", "12 A", "", ""}, "husnr", reasonHusnr},
		{"husnr range", in{"0101", "0234", "12-14", "", ""}, "husnr", reasonHusnr},
		{"etage 0", in{"0101", "0234", "1", "0", ""}, "etage", reasonEtage},
		{"etage 00", in{"0101", "0234", "1", "00", ""}, "etage", reasonEtage},
		{"etage 100", in{"0101", "0234", "1", "100", ""}, "etage", reasonEtage},
		{"etage 001", in{"0101", "0234", "1", "001", ""}, "etage", reasonEtage},
		{"etage word", in{"0101", "0234", "1", "stue", ""}, "etage", reasonEtage},
		{"etage dot", in{"0101", "0234", "1", ".", ""}, "etage", reasonEtage},
		{"etage negative", in{"0101", "0234", "1", "-1", ""}, "etage", reasonEtage},
		{"etage two dots", in{"0101", "0234", "1", "st..", ""}, "etage", reasonEtage},
		{"door zero", in{"0101", "0234", "1", "1", "0"}, "sidedoer", reasonSidedoer},
		{"door zeros", in{"0101", "0234", "1", "1", "0000"}, "sidedoer", reasonSidedoer},
		{"door 5 chars", in{"0101", "0234", "1", "1", "abcde"}, "sidedoer", reasonSidedoer},
		{"door inner space", in{"0101", "0234", "1", "1", "t v"}, "sidedoer", reasonSidedoer},
		{"door dash", in{"0101", "0234", "1", "1", "t-v"}, "sidedoer", reasonSidedoer},
		{"door Danish letter", in{"0101", "0234", "1", "1", "æ"}, "sidedoer", reasonSidedoer},
		{"door dot", in{"0101", "0234", "1", "1", "."}, "sidedoer", reasonSidedoer},
	}
	for _, tc := range invalid {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse(tc.in.k, tc.in.v, tc.in.h, tc.in.e, tc.in.d)
			if err == nil {
				t.Fatalf("Parse = %+v, want an error", got)
			}
			if !got.IsZero() {
				t.Errorf("Parse returned %+v with its error", got)
			}
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != tc.field || fe.Reason != tc.reason {
				t.Fatalf("err = %v; want %s: %s", err, tc.field, tc.reason)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Error("error does not match ErrInvalid")
			}
			if errors.Is(err, ErrUnknownRoad) || errors.Is(err, ErrCorrupt) {
				t.Error("error matches an unrelated sentinel")
			}
			if want := "address: " + tc.field + ": " + tc.reason; err.Error() != want {
				t.Errorf("Error() = %q, want %q", err.Error(), want)
			}
		})
	}
}

func TestAddressPredicates(t *testing.T) {
	for _, tc := range []struct {
		a             Address
		zero, special bool
	}{
		{Address{}, true, false},
		{Address{101, 234, "1", "", ""}, false, false},
		{Address{101, 9899, "1", "", ""}, false, false},
		{Address{101, 9900, "", "", ""}, false, true},
		{Address{101, 9999, "", "", ""}, false, true},
	} {
		if tc.a.IsZero() != tc.zero || tc.a.IsSpecial() != tc.special {
			t.Errorf("%+v: IsZero %v IsSpecial %v; want %v %v", tc.a, tc.a.IsZero(), tc.a.IsSpecial(), tc.zero, tc.special)
		}
	}
}

func TestJSON(t *testing.T) {
	t.Run("round trip", func(t *testing.T) {
		for _, a := range []Address{
			{101, 234, "12A", "st", "tv"},
			{157, 786, "123", "", ""},
			{860, 9900, "", "", ""},
			{751, 4, "7", "kl", "b12"},
		} {
			b, err := json.Marshal(a)
			if err != nil {
				t.Fatal(err)
			}
			var got Address
			if err := json.Unmarshal(b, &got); err != nil || got != a {
				t.Errorf("%s: Unmarshal = %+v, %v; want %+v", b, got, err, a)
			}
		}
	})
	t.Run("shape", func(t *testing.T) {
		b, err := json.Marshal(Address{101, 234, "12A", "st", "tv"})
		want := `{"kommunekode":"0101","vejkode":"0234","husnr":"12A","etage":"st","sidedoer":"tv"}`
		if err != nil || string(b) != want {
			t.Errorf("Marshal = %s, %v; want %s", b, err, want)
		}
	})
	t.Run("zero is null", func(t *testing.T) {
		b, err := json.Marshal(Address{})
		if err != nil || string(b) != "null" {
			t.Errorf("Marshal(zero) = %s, %v", b, err)
		}
		a := Address{101, 234, "1", "", ""}
		if err := json.Unmarshal([]byte("null"), &a); err != nil || a != (Address{101, 234, "1", "", ""}) {
			t.Errorf("Unmarshal(null) = %+v, %v; want unchanged", a, err)
		}
		type person struct {
			Address Address `json:"address,omitzero"`
		}
		if b, _ := json.Marshal(person{}); string(b) != `{}` {
			t.Errorf("omitzero: %s", b)
		}
	})
	t.Run("normalises", func(t *testing.T) {
		var a Address
		err := json.Unmarshal([]byte(`{"kommunekode":"0101","vejkode":"0234","husnr":"012a","etage":"ST.","sidedoer":"TV"}`), &a)
		if want := (Address{101, 234, "12A", "st", "tv"}); err != nil || a != want {
			t.Errorf("got %+v, %v; want %+v", a, err, want)
		}
	})
	t.Run("missing and null members", func(t *testing.T) {
		var a Address
		err := json.Unmarshal([]byte(`{"kommunekode":"0101","vejkode":"9901","husnr":null}`), &a)
		if want := (Address{101, 9901, "", "", ""}); err != nil || a != want {
			t.Errorf("got %+v, %v; want %+v", a, err, want)
		}
	})
	for _, tc := range []struct {
		name, in string
		field    string // "" when the error is not a *FieldError
	}{
		{"unknown member", `{"kommunekode":"0101","vejkode":"0234","husnr":"1","etage":"","sidedoer":"","postnr":"2900"}`, ""},
		{"not an object", `["0101","0234"]`, ""},
		{"string", `"0101 0234 1"`, ""},
		{"number member", `{"kommunekode":101,"vejkode":"0234","husnr":"1"}`, "kommunekode"},
		{"missing kommunekode", `{"vejkode":"0234","husnr":"1"}`, "kommunekode"},
		{"bad etage", `{"kommunekode":"0101","vejkode":"0234","husnr":"1","etage":"x"}`, "etage"},
		{"missing husnr", `{"kommunekode":"0101","vejkode":"0234"}`, "husnr"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := Address{101, 1, "1", "", ""}
			err := json.Unmarshal([]byte(tc.in), &a)
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
			var fe *FieldError
			if errors.As(err, &fe) != (tc.field != "") || fe != nil && fe.Field != tc.field {
				t.Errorf("err = %v, want field %q", err, tc.field)
			}
			if a != (Address{101, 1, "1", "", ""}) {
				t.Errorf("failed Unmarshal changed the value to %+v", a)
			}
			if strings.Contains(err.Error(), "postnr") {
				t.Errorf("error %q echoes the input", err)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		name  string
		a     Address
		field string
	}{
		{"valid", Address{101, 234, "12A", "st", "tv"}, ""},
		{"husnr leading zero", Address{101, 234, "012", "", ""}, "husnr"},
		{"husnr lower letter", Address{101, 234, "12a", "", ""}, "husnr"},
		{"etage upper", Address{101, 234, "1", "ST", ""}, "etage"},
		{"etage dot", Address{101, 234, "1", "2.", ""}, "etage"},
		{"door upper", Address{101, 234, "1", "", "TV"}, "sidedoer"},
		{"door padded", Address{101, 234, "1", "", "tv  "}, "sidedoer"},
		{"vejkode too big", Address{101, 10000, "1", "", ""}, "vejkode"},
		{"kommunekode too big", Address{10101, 1, "1", "", ""}, "kommunekode"},
		{"zero", Address{}, "kommunekode"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.a.check()
			var fe *FieldError
			if tc.field == "" {
				if err != nil {
					t.Fatal(err)
				}
			} else if !errors.As(err, &fe) || fe.Field != tc.field {
				t.Fatalf("err = %v, want field %s", err, tc.field)
			}
		})
	}
}
