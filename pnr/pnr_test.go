package pnr_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"cpr/pnr"
)

type parseCase struct {
	name  string
	in    string
	want  string // canonical 10 digits, when err is nil
	birth string // YYYY-MM-DD, when err is nil
	sex   pnr.Sex
	mod11 bool
	err   error
}

// parseCases are the table for TestParse and the seeds for FuzzParse.
// Modulus-11 values are worked out by hand in the comments: the weighted
// sum uses the weights 4,3,2,7,6,5,4,3,2,1.
var parseCases = []parseCase{
	// 0*4+7*3+0*2+7*7+6*6+1*5+4*4+2*3+8*2+5*1 = 154 = 14*11
	{name: "mod11 passes", in: "0707614285", want: "0707614285", birth: "1961-07-07", sex: pnr.Male, mod11: true},
	// 0+3+0+7+42+0+4+6+6+4 = 72, 72 mod 11 = 6
	{name: "mod11 fails", in: "0101701234", want: "0101701234", birth: "1970-01-01", sex: pnr.Female},
	{name: "hyphen", in: "010170-1234", want: "0101701234", birth: "1970-01-01", sex: pnr.Female},
	{name: "spaces and tabs trimmed", in: " \t010170-1234\t ", want: "0101701234", birth: "1970-01-01", sex: pnr.Female},
	{name: "spaces trimmed without hyphen", in: "  0707614285  ", want: "0707614285", birth: "1961-07-07", sex: pnr.Male, mod11: true},
	// 0+3+0+7+42+0+0+0+6+8 = 66 = 6*11
	{name: "first female mod11 of 1 Jan 1970", in: "010170-0038", want: "0101700038", birth: "1970-01-01", sex: pnr.Female, mod11: true},
	// 0+3+0+7+42+0+0+0+0+3 = 55 = 5*11
	{name: "first male mod11 of 1 Jan 1970", in: "010170-0003", want: "0101700003", birth: "1970-01-01", sex: pnr.Male, mod11: true},
	{name: "serial 0000", in: "010170-0000", want: "0101700000", birth: "1970-01-01", sex: pnr.Female},
	// 12+3+2+14+54+45+36+27+18+9 = 220 = 20*11
	{name: "serial 9999", in: "311299-9999", want: "3112999999", birth: "1999-12-31", sex: pnr.Male, mod11: true},

	// 7th digit 0-3: always 1900s.
	// 0+3+0+7+0+0+0+0+0+1 = 11
	{name: "digit 0 at YY 00", in: "010100-0001", want: "0101000001", birth: "1900-01-01", sex: pnr.Male, mod11: true},
	{name: "digit 3 at YY 00", in: "010100-3002", want: "0101003002", birth: "1900-01-01", sex: pnr.Female},
	{name: "digit 0 at YY 99", in: "311299-0001", want: "3112990001", birth: "1999-12-31", sex: pnr.Male},
	// 12+3+2+14+54+45+12+0+0+1 = 143 = 13*11
	{name: "digit 3 at YY 99", in: "311299-3001", want: "3112993001", birth: "1999-12-31", sex: pnr.Male, mod11: true},
	{name: "digit 2 at YY 36", in: "010136-2001", want: "0101362001", birth: "1936-01-01", sex: pnr.Male},
	{name: "digit 1 at YY 58", in: "010158-1001", want: "0101581001", birth: "1958-01-01", sex: pnr.Male},

	// 7th digit 4 and 9: 2000s up to YY 36, then 1900s.
	{name: "digit 4 at YY 00", in: "010100-4001", want: "0101004001", birth: "2000-01-01", sex: pnr.Male},
	{name: "digit 4 at YY 36", in: "311236-4001", want: "3112364001", birth: "2036-12-31", sex: pnr.Male},
	{name: "digit 4 at YY 37", in: "010137-4001", want: "0101374001", birth: "1937-01-01", sex: pnr.Male},
	{name: "digit 4 at YY 99", in: "311299-4000", want: "3112994000", birth: "1999-12-31", sex: pnr.Female},
	{name: "digit 9 at YY 00", in: "010100-9001", want: "0101009001", birth: "2000-01-01", sex: pnr.Male},
	{name: "digit 9 at YY 36", in: "311236-9001", want: "3112369001", birth: "2036-12-31", sex: pnr.Male},
	{name: "digit 9 at YY 37", in: "010137-9001", want: "0101379001", birth: "1937-01-01", sex: pnr.Male},
	{name: "digit 9 at YY 99", in: "311299-9000", want: "3112999000", birth: "1999-12-31", sex: pnr.Female},

	// 7th digit 5-8: 2000s up to YY 57, then 1800s.
	{name: "digit 5 at YY 00", in: "010100-5001", want: "0101005001", birth: "2000-01-01", sex: pnr.Male},
	{name: "digit 5 at YY 57", in: "311257-5001", want: "3112575001", birth: "2057-12-31", sex: pnr.Male},
	{name: "digit 5 at YY 58", in: "010158-5001", want: "0101585001", birth: "1858-01-01", sex: pnr.Male},
	// 12+3+2+14+30+35+24+0+0+1 = 121 = 11*11
	{name: "digit 6 at YY 57", in: "311257-6001", want: "3112576001", birth: "2057-12-31", sex: pnr.Male, mod11: true},
	{name: "digit 6 at YY 58", in: "010158-6001", want: "0101586001", birth: "1858-01-01", sex: pnr.Male},
	{name: "digit 7 at YY 57", in: "311257-7001", want: "3112577001", birth: "2057-12-31", sex: pnr.Male},
	{name: "digit 7 at YY 58", in: "010158-7001", want: "0101587001", birth: "1858-01-01", sex: pnr.Male},
	{name: "digit 8 at YY 57", in: "311257-8001", want: "3112578001", birth: "2057-12-31", sex: pnr.Male},
	{name: "digit 8 at YY 58", in: "010158-8001", want: "0101588001", birth: "1858-01-01", sex: pnr.Male},
	{name: "digit 8 at YY 99", in: "311299-8002", want: "3112998002", birth: "1899-12-31", sex: pnr.Female},

	// Leap years.
	// 8+27+0+14+0+0+16+0+0+2 = 67, 67 mod 11 = 1
	{name: "29 Feb 2000 with digit 4", in: "290200-4002", want: "2902004002", birth: "2000-02-29", sex: pnr.Female},
	{name: "29 Feb 2000 with digit 9", in: "290200-9001", want: "2902009001", birth: "2000-02-29", sex: pnr.Male},
	{name: "29 Feb 2000 with digit 5", in: "290200-5001", want: "2902005001", birth: "2000-02-29", sex: pnr.Male},
	{name: "29 Feb 1900 does not exist", in: "290200-0001", err: pnr.ErrDate},
	{name: "29 Feb 1900 does not exist, digit 3", in: "2902003001", err: pnr.ErrDate},
	{name: "29 Feb 1996", in: "290296-0001", want: "2902960001", birth: "1996-02-29", sex: pnr.Male},
	// 8+27+0+14+54+30+20+0+0+1 = 154 = 14*11
	{name: "29 Feb 1896", in: "290296-5001", want: "2902965001", birth: "1896-02-29", sex: pnr.Male, mod11: true},
	{name: "29 Feb 2004", in: "290204-4001", want: "2902044001", birth: "2004-02-29", sex: pnr.Male},
	{name: "29 Feb 1904", in: "290204-0001", want: "2902040001", birth: "1904-02-29", sex: pnr.Male},
	{name: "29 Feb 1997 does not exist", in: "290297-0001", err: pnr.ErrDate},
	{name: "29 Feb 2001 does not exist", in: "290201-4001", err: pnr.ErrDate},
	{name: "28 Feb 1900", in: "280200-0001", want: "2802000001", birth: "1900-02-28", sex: pnr.Male},
	{name: "30 Feb 2000 does not exist", in: "300200-4001", err: pnr.ErrDate},

	// Dates.
	{name: "day 00", in: "000170-1234", err: pnr.ErrDate},
	{name: "day 32", in: "320170-1234", err: pnr.ErrDate},
	{name: "31 April", in: "310470-1234", err: pnr.ErrDate},
	{name: "30 April", in: "300470-1234", want: "3004701234", birth: "1970-04-30", sex: pnr.Female},
	{name: "month 00", in: "010070-1234", err: pnr.ErrDate},
	{name: "month 13", in: "011370-1234", err: pnr.ErrDate},
	{name: "all zeros", in: "0000000000", err: pnr.ErrDate},
	{name: "all nines", in: "9999999999", err: pnr.ErrDate},

	// Lengths.
	{name: "empty", in: "", err: pnr.ErrLength},
	{name: "only spaces", in: "  \t ", err: pnr.ErrLength},
	{name: "9 digits", in: "010170123", err: pnr.ErrLength},
	{name: "11 digits", in: "01017012345", err: pnr.ErrLength},
	{name: "hyphen and 3 digits", in: "010170-123", err: pnr.ErrLength},
	{name: "hyphen and 5 digits", in: "010170-12345", err: pnr.ErrLength},
	{name: "date and hyphen only", in: "010170-", err: pnr.ErrLength},
	{name: "20 digits", in: "01017012340101701234", err: pnr.ErrLength},

	// Characters.
	{name: "inner space", in: "010170 1234", err: pnr.ErrNonDigit},
	{name: "hyphen too early", in: "01017-01234", err: pnr.ErrNonDigit},
	{name: "hyphen too late", in: "0101701-234", err: pnr.ErrNonDigit},
	{name: "two hyphens", in: "010170--1234", err: pnr.ErrNonDigit},
	{name: "leading hyphen", in: "-0101701234", err: pnr.ErrNonDigit},
	{name: "letter", in: "01017a1234", err: pnr.ErrNonDigit},
	{name: "plus", in: "010170+1234", err: pnr.ErrNonDigit},
	{name: "slash", in: "01/01/70-1234", err: pnr.ErrNonDigit},
	{name: "newline not trimmed", in: "0101701234\n", err: pnr.ErrNonDigit},
	{name: "carriage return not trimmed", in: "0101701234\r", err: pnr.ErrNonDigit},
	{name: "no-break space not trimmed", in: "\u00a00101701234", err: pnr.ErrNonDigit},
	{name: "arabic-indic digits", in: "٠١٠١٧٠١٢٣٤", err: pnr.ErrNonDigit},
	{name: "fullwidth digits", in: "０１０１７０１２３４", err: pnr.ErrNonDigit},
	{name: "invalid utf-8", in: "0101701234\xff", err: pnr.ErrNonDigit},
	{name: "word", in: "hello", err: pnr.ErrNonDigit},
}

func TestParse(t *testing.T) {
	for _, tc := range parseCases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := pnr.Parse(tc.in)
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("Parse: err = %v, want %v", err, tc.err)
				}
				if p != 0 {
					t.Errorf("Parse: got non-zero %d with error", uint64(p))
				}
				assertNoLeak(t, tc.in, err)
				return
			}
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got := p.String(); got != tc.want {
				t.Errorf("String() = %q, want %q", got, tc.want)
			}
			if got, want := p.Hyphenated(), tc.want[:6]+"-"+tc.want[6:]; got != want {
				t.Errorf("Hyphenated() = %q, want %q", got, want)
			}
			if got := p.BirthDate().Format(time.DateOnly); got != tc.birth {
				t.Errorf("BirthDate() = %s, want %s", got, tc.birth)
			}
			if loc := p.BirthDate().Location(); loc != time.UTC {
				t.Errorf("BirthDate() location = %v, want UTC", loc)
			}
			if h, m, s := p.BirthDate().Clock(); h+m+s != 0 || p.BirthDate().Nanosecond() != 0 {
				t.Errorf("BirthDate() is not midnight")
			}
			if got := p.Sex(); got != tc.sex {
				t.Errorf("Sex() = %v, want %v", got, tc.sex)
			}
			if got := p.Mod11(); got != tc.mod11 {
				t.Errorf("Mod11() = %v, want %v", got, tc.mod11)
			}
			if got, want := p.Serial(), atoi(t, tc.want[6:]); got != want {
				t.Errorf("Serial() = %d, want %d", got, want)
			}
			if got, want := uint64(p), uint64(atoi(t, tc.want)); got != want {
				t.Errorf("uint64 = %d, want %d", got, want)
			}
			if p.IsZero() || !p.Valid() {
				t.Errorf("IsZero() = %v, Valid() = %v", p.IsZero(), p.Valid())
			}
			if q := pnr.MustParse(p.Hyphenated()); q != p {
				t.Errorf("Hyphenated() reparses to %v", q)
			}
		})
	}
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

var digitRun = regexp.MustCompile(`[0-9]+`)

// assertNoLeak fails if err's message holds digits that could come from the
// number in input. The only numbers a message may hold are the constant 10
// and, for ErrLength, the count of digits.
func assertNoLeak(t testing.TB, input string, err error) {
	t.Helper()
	if leak := leakedDigits(input, err); leak != "" {
		t.Fatalf("error %q holds %q, which may come from the input", err, leak)
	}
}

func leakedDigits(input string, err error) string {
	msg := err.Error()
	n := 0
	for i := 0; i < len(input); i++ {
		if input[i] >= '0' && input[i] <= '9' {
			n++
		}
	}
	count := strconv.Itoa(n)
	for _, run := range digitRun.FindAllString(msg, -1) {
		if run == "10" || (errors.Is(err, pnr.ErrLength) && run == count) {
			continue
		}
		return run
	}
	return ""
}

// TestParseErrorsDoNotLeak checks error messages for many inputs.
func TestParseErrorsDoNotLeak(t *testing.T) {
	inputs := []string{"2902000001", "290200-0001", "3213999999", "99999999999", "999999999", "1111111111111", "010170-12x4"}
	for i := range 2000 {
		inputs = append(inputs, fmt.Sprintf("%010d", (uint64(i)*2654435761)%10_000_000_000))
	}
	for _, in := range inputs {
		if _, err := pnr.Parse(in); err != nil {
			assertNoLeak(t, in, err)
			if strings.Contains(err.Error(), in) {
				t.Fatalf("error %q contains input", err)
			}
		}
	}
}

func TestErrorMessages(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"", "pnr: wrong length: got 0 digits, want 10"},
		{"010170123", "pnr: wrong length: got 9 digits, want 10"},
		{"010170 1234", "pnr: non-digit character: want 10 digits, optionally with a hyphen after the date"},
		{"011370-1234", "pnr: not a valid birth date: month out of range"},
		{"290200-1234", "pnr: not a valid birth date: day out of range for the month"},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			_, err := pnr.Parse(tc.in)
			if err == nil || err.Error() != tc.want {
				t.Fatalf("Parse: err = %v, want %s", err, tc.want)
			}
		})
	}
}

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func TestNew(t *testing.T) {
	cph, err := time.LoadLocation("Europe/Copenhagen")
	if err != nil {
		cph = time.FixedZone("CET", 3600)
	}
	tests := []struct {
		name   string
		birth  time.Time
		serial int
		want   string
		err    error
	}{
		{"1970", date(1970, 1, 1), 1234, "0101701234", nil},
		{"leading zeros", date(1901, 2, 3), 5, "0302010005", nil},
		{"2000 with 4", date(2000, 2, 29), 4002, "2902004002", nil},
		{"2000 with 5", date(2000, 2, 29), 5002, "2902005002", nil},
		{"2000 with 9", date(2000, 2, 29), 9002, "2902009002", nil},
		{"2000 with 0", date(2000, 2, 29), 2, "", pnr.ErrCentury},
		{"1936 with 4", date(1936, 5, 5), 4001, "", pnr.ErrCentury},
		{"1937 with 4", date(1937, 5, 5), 4001, "0505374001", nil},
		{"1937 with 9", date(1937, 5, 5), 9001, "0505379001", nil},
		{"2036 with 9", date(2036, 5, 5), 9001, "0505369001", nil},
		{"2037 with 9", date(2037, 5, 5), 9001, "", pnr.ErrCentury},
		{"2037 with 5", date(2037, 5, 5), 5001, "0505375001", nil},
		{"2057 with 8", date(2057, 12, 31), 8001, "3112578001", nil},
		{"1858 with 5", date(1858, 1, 1), 5001, "0101585001", nil},
		{"1858 with 0", date(1858, 1, 1), 1, "", pnr.ErrCentury},
		{"1899 with 9", date(1899, 1, 1), 9001, "", pnr.ErrCentury},
		{"1857", date(1857, 12, 31), 5001, "", pnr.ErrCentury},
		{"2058", date(2058, 1, 1), 5001, "", pnr.ErrCentury},
		{"serial -1", date(1970, 1, 1), -1, "", pnr.ErrSerial},
		{"serial 10000", date(1970, 1, 1), 10000, "", pnr.ErrSerial},
		{"serial 0", date(1970, 1, 1), 0, "0101700000", nil},
		{"serial 3999", date(1970, 1, 1), 3999, "0101703999", nil},
		{"date in its own location", time.Date(1970, 1, 1, 0, 30, 0, 0, cph), 1234, "0101701234", nil},
		{"time of day ignored", time.Date(1970, 1, 1, 23, 59, 59, 999, time.UTC), 1234, "0101701234", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := pnr.New(tc.birth, tc.serial)
			if tc.err != nil {
				if !errors.Is(err, tc.err) || p != 0 {
					t.Fatalf("New = %v, %v; want error %v", p, err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			if p.String() != tc.want {
				t.Fatalf("New = %s, want %s", p, tc.want)
			}
			if q := pnr.MustParse(tc.want); q != p {
				t.Fatalf("Parse(%s) = %s", tc.want, q)
			}
		})
	}
}

func TestZero(t *testing.T) {
	var p pnr.PNR
	if !p.IsZero() || p.Valid() || p.String() != "" || p.Hyphenated() != "" ||
		!p.BirthDate().IsZero() || p.Sex() != 0 || p.Serial() != 0 || p.Mod11() {
		t.Fatalf("zero PNR: IsZero %v Valid %v String %q Hyphenated %q BirthDate %v Sex %v Serial %d Mod11 %v",
			p.IsZero(), p.Valid(), p.String(), p.Hyphenated(), p.BirthDate(), p.Sex(), p.Serial(), p.Mod11())
	}
}

func TestValid(t *testing.T) {
	tests := []struct {
		name string
		p    pnr.PNR
		want bool
	}{
		{"zero", 0, false},
		{"parsed", pnr.MustParse("0101701234"), true},
		{"11 digits", 10_101_701_234, false},
		{"max uint64", ^pnr.PNR(0), false},
		{"month 13", 113_701_234, false},
		{"day 0", 1_701_234, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.p.Valid(); got != tc.want {
				t.Fatalf("Valid() = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestMustParsePanics(t *testing.T) {
	defer func() {
		r := recover()
		err, ok := r.(error)
		if !ok || !errors.Is(err, pnr.ErrDate) {
			t.Fatalf("recover() = %v, want an ErrDate error", r)
		}
	}()
	pnr.MustParse("290200-0001")
}

func TestText(t *testing.T) {
	type record struct {
		P   pnr.PNR `json:"pnr"`
		Sex pnr.Sex `json:"sex"`
	}
	tests := []struct {
		name string
		rec  record
		json string
	}{
		{"set", record{pnr.MustParse("0707614285"), pnr.Male}, `{"pnr":"0707614285","sex":"M"}`},
		{"leading zero", record{pnr.MustParse("0101701234"), pnr.Female}, `{"pnr":"0101701234","sex":"F"}`},
		{"zero", record{}, `{"pnr":"","sex":""}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := json.Marshal(tc.rec)
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tc.json {
				t.Fatalf("Marshal = %s, want %s", b, tc.json)
			}
			got := record{P: 1, Sex: 1} // overwritten, also by empty text
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatal(err)
			}
			if got != tc.rec {
				t.Fatalf("Unmarshal = %+v, want %+v", got, tc.rec)
			}
		})
	}
	t.Run("hyphenated input", func(t *testing.T) {
		var p pnr.PNR
		if err := p.UnmarshalText([]byte(" 070761-4285 ")); err != nil || p != pnr.MustParse("0707614285") {
			t.Fatalf("UnmarshalText = %v, %v", p, err)
		}
	})
	t.Run("invalid input", func(t *testing.T) {
		p := pnr.MustParse("0707614285")
		err := p.UnmarshalText([]byte("290200-0001"))
		if !errors.Is(err, pnr.ErrDate) || p != pnr.MustParse("0707614285") {
			t.Fatalf("UnmarshalText = %v, %v; want ErrDate and p unchanged", p, err)
		}
	})
	t.Run("marshal invalid", func(t *testing.T) {
		if _, err := pnr.PNR(113_701_234).MarshalText(); !errors.Is(err, pnr.ErrDate) {
			t.Fatalf("MarshalText = %v, want ErrDate", err)
		}
		if _, err := pnr.PNR(10_101_701_234).MarshalText(); !errors.Is(err, pnr.ErrLength) {
			t.Fatalf("MarshalText = %v, want ErrLength", err)
		}
	})
}
