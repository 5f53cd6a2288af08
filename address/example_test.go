package address_test

import (
	"errors"
	"fmt"

	"cpr/address"
)

func ExampleParse() {
	a, err := address.Parse("0157", "0786", "123a", "ST.", "TV")
	if err != nil {
		panic(err)
	}
	fmt.Printf("%+v\n", a)

	_, err = address.Parse("0157", "0786", "123", "13. sal", "")
	fmt.Println(err)
	fmt.Println(errors.Is(err, address.ErrInvalid))
	// Output:
	// {Kommunekode:157 Vejkode:786 Husnr:123A Etage:st Sidedoer:tv}
	// address: etage: must be st, kl or a floor 1-99
	// true
}

func ExampleRoads_Text() {
	rs, err := address.NewRoads([]address.Road{
		{Kommunekode: 157, Vejkode: 786, Name: "Strandvejen", Postnr: 2900, By: "Hellerup"},
		{Kommunekode: 157, Vejkode: 9900, Name: "Uden fast bopæl", Postnr: 2900, By: "Hellerup"},
	})
	if err != nil {
		panic(err)
	}
	a, _ := address.Parse("0157", "0786", "123A", "st", "tv")
	fmt.Println(rs.Text(a))
	fmt.Println(rs.StreetLine(a))

	b, _ := address.Parse("0157", "0786", "7", "2", "")
	fmt.Println(rs.Text(b))

	c, _ := address.Parse("0157", "9900", "", "", "")
	fmt.Println(rs.Text(c))
	// Output:
	// Strandvejen 123A, st. tv, 2900 Hellerup
	// Strandvejen 123A, st. tv
	// Strandvejen 7, 2., 2900 Hellerup
	// Uden fast bopæl, 2900 Hellerup
}

func ExampleRoads_Validate() {
	rs := address.Demo()
	a, _ := address.Parse("0101", "0001", "12", "", "")
	err := rs.Validate(a)
	fmt.Println(err)
	fmt.Println(errors.Is(err, address.ErrUnknownRoad), errors.Is(err, address.ErrInvalid))
	// Output:
	// address: vejkode: unknown road
	// true true
}

func ExampleAddress_AppendKey() {
	a, _ := address.Parse("0101", "0234", "12A", "st", "tv")
	key := a.AppendKey(nil)
	fmt.Printf("% x\n", key)
	back, _ := address.DecodeKey(key)
	fmt.Println(back == a)
	// Output:
	// 00 65 00 ea 00 0c 41 02 74 76 00 00
	// true
}
