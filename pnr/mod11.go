package pnr

// Mod11 reports whether p passes the modulus-11 check: the sum of its digits
// times the weights 4, 3, 2, 7, 6, 5, 4, 3, 2, 1 is divisible by 11. Numbers
// issued since 2007 may fail it and are still valid. Mod11 is false for the
// zero value.
func (p PNR) Mod11() bool {
	return p != 0 && (dateResidue(p)+serialResidue(p.Serial()))%11 == 0
}

// dateResidue is the weighted sum of the first six digits of p, modulo 11.
func dateResidue(p PNR) int {
	v := int(p / 10_000)
	sum := 0
	for _, w := range [6]int{5, 6, 7, 2, 3, 4} { // weights from the 6th digit back
		sum += v % 10 * w
		v /= 10
	}
	return sum % 11
}

// serialResidue is the weighted sum of the four serial digits, modulo 11.
func serialResidue(s int) int {
	return (s/1000*4 + s/100%10*3 + s/10%10*2 + s%10) % 11
}

// mod11Serials[r][parity] lists, ascending, the serials with serialResidue
// r and last digit parity (0 even, 1 odd). It is built once and only read.
var mod11Serials = func() (t [11][2][]uint16) {
	for s := range 10_000 {
		r := serialResidue(s)
		t[r][s%2] = append(t[r][s%2], uint16(s))
	}
	return t
}()
