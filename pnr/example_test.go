package pnr_test

import (
	"fmt"
	"os"
	"strings"
	"time"

	"cpr/pnr"
)

func ExampleParse() {
	p, err := pnr.Parse("070761-4285")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(p, p.Hyphenated(), p.BirthDate().Format(time.DateOnly), p.Sex(), p.Mod11())

	// 7th digit 4 with year 00 is the year 2000, a leap year; 7th digit 0 is
	// 1900, which was not.
	p, err = pnr.Parse("290200-4002")
	fmt.Println(p.BirthDate().Format(time.DateOnly), err)
	_, err = pnr.Parse("290200-0002")
	fmt.Println(err)
	// Output:
	// 0707614285 070761-4285 1961-07-07 M true
	// 2000-02-29 <nil>
	// pnr: not a valid birth date: day out of range for the month
}

func ExampleAllocate() {
	birth := time.Date(1970, time.January, 1, 0, 0, 0, 0, time.UTC)
	taken := map[pnr.PNR]bool{}
	isTaken := func(p pnr.PNR) bool { return taken[p] }
	for range 3 {
		p, err := pnr.Allocate(birth, pnr.Male, isTaken)
		if err != nil {
			fmt.Println(err)
			return
		}
		taken[p] = true
		fmt.Println(p.Hyphenated(), p.Sex(), p.Mod11())
	}

	// When every modulus-11 number of the day is taken, numbers without a
	// valid check digit are handed out.
	p, _ := pnr.Allocate(birth, pnr.Female, func(p pnr.PNR) bool { return p.Mod11() })
	fmt.Println(p.Hyphenated(), p.Sex(), p.Mod11())
	// Output:
	// 010170-0003 M true
	// 010170-0011 M true
	// 010170-0089 M true
	// 010170-0000 F false
}

func ExampleCheckLines() {
	in := strings.NewReader("0101701234\n290200-4002\n290200-0002\n")
	if err := pnr.CheckLines(in, os.Stdout); err != nil {
		fmt.Println(err)
	}
	// Output:
	// {"input":"0101701234","valid":true,"pnr":"0101701234","birth_date":"1970-01-01","sex":"F","mod11":false}
	// {"input":"290200-4002","valid":true,"pnr":"2902004002","birth_date":"2000-02-29","sex":"F","mod11":false}
	// {"input":"290200-0002","valid":false,"error":"pnr: not a valid birth date: day out of range for the month"}
}
