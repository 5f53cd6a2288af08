package address

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
)

// testRoads is a small register used by several tests.
func testRoads(t testing.TB) *Roads {
	t.Helper()
	rs, err := NewRoads([]Road{
		{Kommunekode: 157, Vejkode: 786, Name: "Strandvejen", Postnr: 2900, By: "Hellerup"},
		{Kommunekode: 101, Vejkode: 812, Name: "Vesterbrogade", Postnr: 1620, By: "København V"},
		{Kommunekode: 101, Vejkode: 500, Name: "Nørregade", Postnr: 1165, By: "København K"},
		{Kommunekode: 101, Vejkode: 301, Name: "H.C. Andersens Boulevard", Postnr: 1553, By: "København V"},
		{Kommunekode: 157, Vejkode: 9900, Name: "Uden fast bopæl", Postnr: 2900, By: "Hellerup"},
		{Kommunekode: 492, Vejkode: 10, Name: "Søndergade", Postnr: 5970, By: "Ærøskøbing"},
		{Kommunekode: 492, Vejkode: 12, Name: "Østre Ringvej ved Ærøskøbing Mølle", Postnr: 5970, By: "Ærøskøbing"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func TestNewRoads(t *testing.T) {
	ok := Road{Kommunekode: 101, Vejkode: 4, Name: "Skovvej", Postnr: 2100, By: "København Ø"}
	with := func(f func(*Road)) []Road {
		r := ok
		f(&r)
		return []Road{r}
	}
	t.Run("valid", func(t *testing.T) {
		rs, err := NewRoads(with(func(*Road) {}))
		if err != nil {
			t.Fatal(err)
		}
		got, found := rs.Lookup(101, 4)
		want := ok
		want.AddressingName = "Skovvej"
		if !found || got != want {
			t.Errorf("Lookup = %+v, %v; want %+v", got, found, want)
		}
	})
	t.Run("given addressing name kept", func(t *testing.T) {
		rs, err := NewRoads(with(func(r *Road) { r.AddressingName = "Skovv." }))
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := rs.Lookup(101, 4); got.AddressingName != "Skovv." {
			t.Errorf("AddressingName = %q", got.AddressingName)
		}
	})
	t.Run("empty", func(t *testing.T) {
		rs, err := NewRoads(nil)
		if err != nil || rs.Len() != 0 {
			t.Errorf("NewRoads(nil) = %v, %v", rs, err)
		}
	})
	for _, tc := range []struct {
		name  string
		roads []Road
	}{
		{"unknown kommune", with(func(r *Road) { r.Kommunekode = 102 })},
		{"vejkode zero", with(func(r *Road) { r.Vejkode = 0 })},
		{"vejkode too big", with(func(r *Road) { r.Vejkode = 10000 })},
		{"name empty", with(func(r *Road) { r.Name = "" })},
		{"name too long", with(func(r *Road) { r.Name = strings.Repeat("æ", 41) })},
		{"name with tab", with(func(r *Road) { r.Name = "Skov\tvej" })},
		{"name with leading space", with(func(r *Road) { r.Name = " Skovvej" })},
		{"name not Latin-1", with(func(r *Road) { r.Name = "Skovvej €" })},
		{"name not UTF-8", with(func(r *Road) { r.Name = "Skov\xffvej" })},
		{"addressing name too long", with(func(r *Road) { r.AddressingName = strings.Repeat("a", 21) })},
		{"postnr too small", with(func(r *Road) { r.Postnr = 999 })},
		{"postnr too big", with(func(r *Road) { r.Postnr = 10000 })},
		{"by empty", with(func(r *Road) { r.By = "" })},
		{"by too long", with(func(r *Road) { r.By = strings.Repeat("ø", 21) })},
		{"duplicate", []Road{ok, ok}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rs, err := NewRoads(tc.roads)
			if !errors.Is(err, ErrInvalidRoad) || rs != nil {
				t.Fatalf("NewRoads = %v, %v; want ErrInvalidRoad", rs, err)
			}
		})
	}
}

func TestAddressingName(t *testing.T) {
	for _, tc := range []struct{ name, want string }{
		{"Strandvejen", "Strandvejen"},
		{"Frederiksberg Allé", "Frederiksberg Allé"},
		{"H.C. Andersens Boulevard", "H.C. Andersens Blvd."},
		{"Gammel Kongevej", "Gammel Kongevej"},
		{"Gammel Strandvej Nord", "Gl. Strandvej Nord"},
		{"Dronning Margrethes Vej", "Dr. Margrethes Vej"},
		{"Sankt Annæ Plads og Gade", "Skt. Annæ Plads og G"},
		{"Østre Ringvej ved Ærøskøbing Mølle", "Ø. Ringvej ved Ærøsk"},
		{"Aaaaaaaaaaaaaaaaaaa Bbbbb", "Aaaaaaaaaaaaaaaaaaa"}, // no trailing space
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := addressingName(tc.name)
			if got != tc.want {
				t.Errorf("addressingName = %q, want %q", got, tc.want)
			}
			if !validText(got, MaxAddressingName) {
				t.Errorf("%q is not a valid addressing name", got)
			}
		})
	}
}

func TestRoadsQueries(t *testing.T) {
	rs := testRoads(t)
	if rs.Len() != 7 {
		t.Errorf("Len = %d", rs.Len())
	}
	if _, ok := rs.Lookup(157, 787); ok {
		t.Error("Lookup found a missing road")
	}
	if _, ok := rs.Lookup(101, 786); ok {
		t.Error("Lookup found a road in the wrong kommune")
	}
	got := rs.InKommune(101)
	var codes []uint16
	for _, r := range got {
		codes = append(codes, r.Vejkode)
	}
	if !slices.Equal(codes, []uint16{301, 500, 812}) {
		t.Errorf("InKommune(101) vejkoder = %v", codes)
	}
	got[0].Name = "changed"
	if r, _ := rs.Lookup(101, 301); r.Name != "H.C. Andersens Boulevard" {
		t.Error("InKommune returned shared storage")
	}
	if rs.InKommune(860) != nil {
		t.Error("InKommune of a kommune without roads is not nil")
	}
	var none *Roads
	if none.Len() != 0 || none.InKommune(101) != nil {
		t.Error("nil *Roads is not empty")
	}
	if _, ok := none.Lookup(101, 1); ok {
		t.Error("nil *Roads found a road")
	}
}

func TestValidate(t *testing.T) {
	rs := testRoads(t)
	for _, tc := range []struct {
		name    string
		a       Address
		field   string // "" for valid
		unknown bool   // matches ErrUnknownRoad
	}{
		{"ok", Address{157, 786, "123A", "st", "tv"}, "", false},
		{"special without husnr", Address{157, 9900, "", "", ""}, "", false},
		{"special with husnr", Address{157, 9900, "4", "", ""}, "", false},
		{"unknown road", Address{157, 788, "1", "", ""}, "vejkode", true},
		{"unknown special road", Address{157, 9901, "", "", ""}, "vejkode", true},
		{"road in another kommune", Address{147, 786, "1", "", ""}, "vejkode", true},
		{"missing husnr", Address{157, 786, "", "", ""}, "husnr", false},
		{"husnr not normalised", Address{157, 786, "07", "", ""}, "husnr", false},
		{"bad etage", Address{157, 786, "7", "sal", ""}, "etage", false},
		{"unknown kommune", Address{102, 786, "7", "", ""}, "kommunekode", false},
		{"zero", Address{}, "kommunekode", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := rs.Validate(tc.a)
			if tc.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != tc.field {
				t.Fatalf("err = %v, want field %s", err, tc.field)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Error("error does not match ErrInvalid")
			}
			if errors.Is(err, ErrUnknownRoad) != tc.unknown {
				t.Errorf("errors.Is(err, ErrUnknownRoad) = %v", !tc.unknown)
			}
		})
	}
}

const goodTSV = "kommunekode\tvejkode\tname\tpostnr\tby\n" +
	"0101\t0500\tNørregade\t1165\tKøbenhavn K\n" +
	"0157\t0786\tStrandvejen\t2900\tHellerup\n" +
	"0157\t9900\tUden fast bopæl\t2900\tHellerup\n"

func TestLoadRoadsWriteTSV(t *testing.T) {
	rs, err := LoadRoads(strings.NewReader(goodTSV))
	if err != nil {
		t.Fatal(err)
	}
	if rs.Len() != 3 {
		t.Fatalf("Len = %d", rs.Len())
	}
	var buf bytes.Buffer
	if err := rs.WriteTSV(&buf); err != nil {
		t.Fatal(err)
	}
	if buf.String() != goodTSV {
		t.Errorf("WriteTSV =\n%s\nwant\n%s", buf.String(), goodTSV)
	}

	t.Run("lenient input", func(t *testing.T) {
		in := "\uFEFFkommunekode\tvejkode\tname\tpostnr\tby\r\n" +
			"0157\t9900\tUden fast bopæl\t2900\tHellerup\r\n" +
			"\n" +
			"0157\t786\tStrandvejen\t2900\tHellerup\r\n" +
			"0101\t0500\tNørregade\t1165\tKøbenhavn K"
		rs2, err := LoadRoads(strings.NewReader(in))
		if err != nil {
			t.Fatal(err)
		}
		var buf2 bytes.Buffer
		if err := rs2.WriteTSV(&buf2); err != nil {
			t.Fatal(err)
		}
		if buf2.String() != goodTSV {
			t.Errorf("WriteTSV =\n%s", buf2.String())
		}
	})
	t.Run("derived addressing name", func(t *testing.T) {
		rs, err := LoadRoads(strings.NewReader(tsvHeader + "\n0101\t0301\tH.C. Andersens Boulevard\t1553\tKøbenhavn V\n"))
		if err != nil {
			t.Fatal(err)
		}
		if r, _ := rs.Lookup(101, 301); r.AddressingName != "H.C. Andersens Blvd." {
			t.Errorf("AddressingName = %q", r.AddressingName)
		}
	})
	t.Run("write error", func(t *testing.T) {
		if err := Demo().WriteTSV(failWriter{}); !errors.Is(err, errTest) {
			t.Errorf("WriteTSV to a failing writer = %v", err)
		}
	})
	t.Run("read error", func(t *testing.T) {
		_, err := LoadRoads(iotest.ErrReader(errTest))
		if !errors.Is(err, errTest) {
			t.Errorf("LoadRoads(failing reader) = %v", err)
		}
	})
}

var errTest = errors.New("test: i/o failed")

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errTest }

var _ io.Writer = failWriter{}

func TestLoadRoadsErrors(t *testing.T) {
	const h = tsvHeader + "\n"
	const row = "0101\t0500\tNørregade\t1165\tKøbenhavn K\n"
	for _, tc := range []struct {
		name, in, line string
	}{
		{"empty file", "", "line 1:"},
		{"wrong header", "kommune\tvej\tnavn\tpostnr\tby\n" + row, "line 1:"},
		{"too few fields", h + row + "0101\t0502\tSkovvej\t1165\n", "line 3:"},
		{"too many fields", h + "0101\t0502\tSkovvej\t1165\tKøbenhavn K\textra\n", "line 2:"},
		{"kommunekode 3 digits", h + "101\t0502\tSkovvej\t1165\tKøbenhavn K\n", "line 2:"},
		{"unknown kommune", h + "0102\t0502\tSkovvej\t1165\tKøbenhavn K\n", "line 2:"},
		{"vejkode 5 digits", h + "0101\t00502\tSkovvej\t1165\tKøbenhavn K\n", "line 2:"},
		{"vejkode zero", h + "0101\t0\tSkovvej\t1165\tKøbenhavn K\n", "line 2:"},
		{"empty name", h + row + "0101\t0502\t\t1165\tKøbenhavn K\n", "line 3:"},
		{"postnr 3 digits", h + "0101\t0502\tSkovvej\t999\tKøbenhavn K\n", "line 2:"},
		{"postnr too small", h + "0101\t0502\tSkovvej\t0999\tKøbenhavn K\n", "line 2:"},
		{"empty by", h + "0101\t0502\tSkovvej\t1165\t\n", "line 2:"},
		{"not UTF-8", h + row + "0101\t0503\tSkov\xe6vej\t1165\tKøbenhavn K\n", "line 3:"},
		{"duplicate", h + row + "\n" + row, "line 4: same kommunekode and vejkode as line 2"},
		{"line too long", h + row + strings.Repeat("x", maxLine+10) + "\n", "line 3:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rs, err := LoadRoads(strings.NewReader(tc.in))
			if !errors.Is(err, ErrInvalidRoad) || rs != nil {
				t.Fatalf("LoadRoads = %v, %v; want ErrInvalidRoad", rs, err)
			}
			// The line number is only in the text.
			if !strings.Contains(err.Error(), tc.line) {
				t.Errorf("error %q does not name %q", err, tc.line)
			}
		})
	}
}
