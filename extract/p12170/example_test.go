package p12170_test

import (
	"bytes"
	"fmt"
	"time"

	"cpr/extract/p12170"
)

func ExampleBuilder() {
	var out []byte
	b := p12170.New("014")
	b.Set("PNR", "0101601234").Set("PNR#2", "0202902345") // parent, child
	out = b.AppendTo(out)

	b.Reset("004")
	b.Set("PNR", "0101601234").SetInt("BESKYTTYPE", 1).SetDate("START_DT-BESKYTTELSE", 2024, time.May, 1)
	out = b.AppendTo(out)
	for line := range bytes.Lines(out) {
		fmt.Printf("%q\n", line)
	}
	// Output:
	// "01401016012340202902345\n"
	// "004010160123400012024-05-01          \n"
}

func ExampleRecord_Index() {
	rec, _ := p12170.Lookup("002")
	komkod := rec.Index("KOMKOD") // resolve once, outside the loop
	b := p12170.New("002")
	for _, k := range []int{101, 751} {
		b.Reset("002")
		b.SetIntAt(komkod, k)
		fmt.Printf("%s\n", b.Bytes()[13:17])
	}
	// Output:
	// 0101
	// 0751
}

func ExampleParse() {
	line := p12170.New("009").Set("PNR", "0101601234").Set("MYNTXT-FØDESTED", "Ærø").Bytes()
	fmt.Printf("%q\n", line[13:21]) // ISO-8859-1 on the wire
	p, err := p12170.Parse(line)
	if err != nil {
		panic(err)
	}
	fmt.Println(p.Type, p.Fields["PNR"], p.Fields["MYNTXT-FØDESTED"])
	// Output:
	// "    \xc6r\xf8 "
	// 009 0101601234 Ærø
}

func ExampleScanner() {
	var file []byte
	file = p12170.New("000").SetDate("PRODDTO", 2024, time.May, 1).AppendTo(file)
	file = p12170.New("999").SetInt("TAELLER", 0).AppendTo(file)
	s := p12170.NewScanner(bytes.NewReader(file))
	for s.Scan() {
		fmt.Println(s.Line(), s.Record().Type)
	}
	fmt.Println(s.Err())
	// Output:
	// 1 000
	// 2 999
	// <nil>
}
