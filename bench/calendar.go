package bench

import (
	"time"

	"cpr/date"
)

// WorkingDays returns the Danish working days after day after, up to and
// including the 31st of December of the year of the first one: Monday to
// Friday, less the public holidays (Nytårsdag, Skærtorsdag, Langfredag,
// 2. påskedag, Kristi himmelfartsdag, 2. pinsedag, Grundlovsdag) and the
// days offices close (juleaften, 2. juledag, nytårsaften).
func WorkingDays(after date.Date) []date.Date {
	year := after.AddDays(1).Year()
	easter := easterSunday(year)
	holiday := map[date.Date]bool{}
	for _, d := range []date.Date{
		date.MustNew(year, time.January, 1),
		easter.AddDays(-3), easter.AddDays(-2), easter.AddDays(1),
		easter.AddDays(39), easter.AddDays(50),
		date.MustNew(year, time.June, 5),
		date.MustNew(year, time.December, 24), date.MustNew(year, time.December, 25),
		date.MustNew(year, time.December, 26), date.MustNew(year, time.December, 31),
	} {
		holiday[d] = true
	}
	var out []date.Date
	for d := after.AddDays(1); d.Year() == year; d = d.AddDays(1) {
		wd := d.Time().Weekday()
		if wd == time.Saturday || wd == time.Sunday || holiday[d] {
			continue
		}
		out = append(out, d)
	}
	return out
}

// easterSunday is the Gregorian Easter Sunday (the anonymous algorithm of
// Meeus, Jones and Butcher).
func easterSunday(y int) date.Date {
	a := y % 19
	b, c := y/100, y%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return date.MustNew(y, time.Month(month), day)
}
