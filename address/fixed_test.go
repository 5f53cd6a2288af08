package address

import (
	"errors"
	"reflect"
	"testing"
	"unicode/utf8"
)

func TestPadAlpha(t *testing.T) {
	for _, tc := range []struct {
		s     string
		width int
		want  string
	}{
		{"12A", 4, "12A "},
		{"", 2, "  "},
		{"st", 2, "st"},
		{"Hellerup", 20, "Hellerup            "},
		{"Ærøskøbing", 12, "Ærøskøbing  "},
		{"æøå", 2, "æø"},
		{"abcdef", 3, "abc"},
		{"abc", 0, ""},
		{"abc", -1, ""},
	} {
		t.Run(tc.s, func(t *testing.T) {
			got := PadAlpha(tc.s, tc.width)
			if got != tc.want {
				t.Errorf("PadAlpha(%q, %d) = %q, want %q", tc.s, tc.width, got, tc.want)
			}
			if !utf8.ValidString(got) {
				t.Error("split a rune")
			}
		})
	}
}

func TestPadNumeric(t *testing.T) {
	for _, tc := range []struct {
		n, width int
		want     string
	}{
		{101, 4, "0101"},
		{0, 4, "0000"},
		{9999, 4, "9999"},
		{7, 1, "7"},
	} {
		if got := PadNumeric(tc.n, tc.width); got != tc.want {
			t.Errorf("PadNumeric(%d, %d) = %q, want %q", tc.n, tc.width, got, tc.want)
		}
	}
	for _, tc := range []struct{ n, width int }{{10000, 4}, {-1, 4}, {0, 0}} {
		t.Run("panics", func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("PadNumeric(%d, %d) did not panic", tc.n, tc.width)
				}
			}()
			PadNumeric(tc.n, tc.width)
		})
	}
}

func TestFixed(t *testing.T) {
	rs := testRoads(t)
	widths := map[string]int{
		"Komkod": WidthKomkod, "Vejkod": WidthVejkod, "Husnr": WidthHusnr, "Etage": WidthEtage,
		"Sidedoer": WidthSidedoer, "StandardAdr": WidthStandardAdr, "Bynvn": WidthBynvn,
		"Postnr": WidthPostnr, "PostDistTxt": WidthPostDistTxt, "VejAdrNvn": WidthVejAdrNvn,
	}
	for _, tc := range []struct {
		name string
		a    Address
		want Fixed
	}{
		{"Strandvejen", Address{157, 786, "123A", "st", "tv"}, Fixed{
			Komkod: "0157", Vejkod: "0786", Husnr: "123A", Etage: "st", Sidedoer: "tv  ",
			StandardAdr: "Strandvejen 123A, st. tv          ",
			Bynvn:       "Hellerup                          ",
			Postnr:      "2900", PostDistTxt: "Hellerup            ",
			VejAdrNvn: "Strandvejen         ",
		}},
		{"Danish letters", Address{492, 10, "7", "1", ""}, Fixed{
			Komkod: "0492", Vejkod: "0010", Husnr: "7   ", Etage: "1 ", Sidedoer: "    ",
			StandardAdr: "Søndergade 7, 1.                  ",
			Bynvn:       "Ærøskøbing                        ",
			Postnr:      "5970", PostDistTxt: "Ærøskøbing          ",
			VejAdrNvn: "Søndergade          ",
		}},
		{"long name uses addressing name and is cut", Address{492, 12, "999Z", "99", "1204"}, Fixed{
			Komkod: "0492", Vejkod: "0012", Husnr: "999Z", Etage: "99", Sidedoer: "1204",
			StandardAdr: "Ø. Ringvej ved Ærøsk 999Z, 99. 120",
			Bynvn:       "Ærøskøbing                        ",
			Postnr:      "5970", PostDistTxt: "Ærøskøbing          ",
			VejAdrNvn: "Ø. Ringvej ved Ærøsk",
		}},
		{"special road", Address{157, 9900, "", "", ""}, Fixed{
			Komkod: "0157", Vejkod: "9900", Husnr: "    ", Etage: "  ", Sidedoer: "    ",
			StandardAdr: "Uden fast bopæl                   ",
			Bynvn:       "Hellerup                          ",
			Postnr:      "2900", PostDistTxt: "Hellerup            ",
			VejAdrNvn: "Uden fast bopæl     ",
		}},
		{"unknown road", Address{157, 1, "1", "", ""}, Fixed{
			Komkod: "0157", Vejkod: "0001", Husnr: "1   ", Etage: "  ", Sidedoer: "    ",
			StandardAdr: "                                  ",
			Bynvn:       "                                  ",
			Postnr:      "0000", PostDistTxt: "                    ",
			VejAdrNvn: "                    ",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := rs.Fixed(tc.a)
			if got != tc.want {
				t.Errorf("Fixed =\n%#v\nwant\n%#v", got, tc.want)
			}
			v := reflect.ValueOf(got)
			for i := range v.NumField() {
				name := v.Type().Field(i).Name
				if n := utf8.RuneCountInString(v.Field(i).String()); n != widths[name] {
					t.Errorf("%s is %d characters, want %d", name, n, widths[name])
				}
			}
			if tc.name == "unknown road" {
				return
			}
			back, err := ParseFixed(got.Komkod, got.Vejkod, got.Husnr, got.Etage, got.Sidedoer)
			if err != nil || back != tc.a {
				t.Errorf("ParseFixed = %+v, %v; want %+v", back, err, tc.a)
			}
		})
	}
}

func TestParseFixed(t *testing.T) {
	for _, tc := range []struct {
		name          string
		k, v, h, e, d string
		want          Address
		field         string
	}{
		{"padded", "0101", "0234", "12A ", "st", "tv  ", Address{101, 234, "12A", "st", "tv"}, ""},
		{"zero-padded husnr", "0101", "0234", "012B", "1 ", "    ", Address{101, 234, "12B", "1", ""}, ""},
		{"blank special", "0101", "9900", "    ", "  ", "    ", Address{101, 9900, "", "", ""}, ""},
		{"space-padded code", " 101", "0234", "1   ", "  ", "    ", Address{101, 234, "1", "", ""}, "kommunekode"},
		{"blank husnr", "0101", "0234", "    ", "  ", "    ", Address{}, "husnr"},
		{"blank record", "    ", "    ", "    ", "  ", "    ", Address{}, "kommunekode"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseFixed(tc.k, tc.v, tc.h, tc.e, tc.d)
			if tc.field == "" {
				if err != nil || got != tc.want {
					t.Errorf("ParseFixed = %+v, %v; want %+v", got, err, tc.want)
				}
				return
			}
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != tc.field {
				t.Errorf("err = %v, want field %s", err, tc.field)
			}
		})
	}
}
