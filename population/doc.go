// Package population generates a synthetic but realistic Danish population:
// register.Person records to bulk-load into a register
// ((*register.Register).Load), for demos, tests and benchmarks.
//
//	persons := population.Generate(population.Config{Persons: 6_000_000, Seed: 1})
//	stats, err := reg.Load(ctx, persons)
//
// The same Config gives the same persons in the same order, field for
// field; another Seed gives another population. Generation streams: it
// holds the household at hand and, for numbering, a few dozen bytes per
// birth date and sex (about 3 MB), never the persons already yielded, and
// makes well over a million persons a second on one core.
//
// # Households
//
// A population is drawn group by group, each group's members yielded one
// after another:
//
//   - a family: a mother and a father (married, or living together
//     unmarried), or a single parent, with 1-4 children living at home
//     (everyone under 18 and some young adults live with a parent). A
//     single father's children's mother, and often a single mother's
//     children's father, lives alone elsewhere (and is yielded with the
//     family); a single mother may be widowed;
//   - a single adult: unmarried, divorced (sometimes with the ex-spouse,
//     also divorced, living alone elsewhere) or widowed;
//   - a couple without children at home: married, in a registered
//     partnership (same-sex couples who entered one between 1 October 1989
//     and 14 June 2012; later ones are married), or living together
//     unmarried.
//
// Ages follow the Danish population of 1 January 2024 by five-year age
// group (ages 0-104: about 16% under 15, 20% 65 or over). Children's ages
// follow the pyramid times the share of each age living at home; a
// mother is 18-44 at her eldest's birth and at most 46 at her youngest's;
// fathers are on average 2.7 years older. The adults families leave over
// form the other households. The weights for drawing ages are calibrated
// once per process by simulating households with a fixed seed, so that
// the whole matches the pyramid.
//
// Everyone in a household lives at one address, drawn with
// address.Roads.RandomAddress in a kommune chosen by its approximate
// population (København about 11%, Aarhus 6%, Læsø 0.03%).
//
// # Records
//
// Every record is a register.Person as the register holds it, with the
// from-dates the register derives history from; every date lies between
// the person's birth and Config.Today:
//
//   - PNR, Sex, BirthDate: the number agrees with the sex and birth date;
//   - Status 01 from birth (or immigration); about 0.3% of persons (adults
//     living alone) status 03 at one of the kommune's special vejkoder
//     (9900-9999, no husnr) since moving there; about 1.5% (whole
//     households) status 80, abroad since emigrating, at a foreign address
//     with a CPR country code (5120 Sweden, 5110 Norway, 5180 Germany, 5170
//     the United Kingdom, 5390 USA, ...) and two address lines;
//   - Name: given names by sex and fashion of the birth year, middle names
//     now and then (often a family name such as Skov or Vestergaard), last
//     names weighted like Denmark's 100 commonest; the addressing name by
//     the register's rule. Children take a parent's last name; a married
//     woman may have taken her husband's (Name.From is then the wedding).
//     All text is ISO-8859-1;
//   - Residence: the address and the move-in day (children moved in with
//     their parents, or were born there). KommuneFrom and PreviousKommune
//     are left for the register to derive;
//   - Civil: U from birth; G or P from the wedding (both 18 or over), with
//     symmetric Spouse links; F from the divorce, linked both ways when the
//     ex-spouse is in the population, else Spouse zero; E from the
//     spouse's death, Spouse zero (there are no dead persons);
//   - Mother, Father and Children: every link in the population is
//     symmetric, and a mother is at least 18 at a child's birth. Links stay
//     within a group: adults living on their own have no parents in the
//     population, and parents list only the children living at home;
//   - Citizenship: about 92% Danish (5100) from birth; households of
//     foreign origin (CPR codes of European countries, the USA, stateless)
//     came at some date and hold their country's citizenship since then,
//     with names of their country, unless naturalised after 9 years or
//     more; now and then an immigrant's birthday is registered as 1
//     January;
//   - Protections, open-ended: name and address protection (type 1) for
//     about 1.5% of persons (whole households); protection against
//     marketing (3) for about 5% and against local directories (2) for
//     about 0.25% of persons, adults only.
//
// # Numbers
//
// Personnumre come from pnr.Allocate, which hands out, per birth date and
// sex, the modulus-11 numbers in ascending order and then the others, the
// way CPR does. The generator does not keep a set of numbers: what has been
// handed out for a date and sex is always a prefix of Allocate's order, so
// the last number offered is enough to answer Allocate's question whether a
// number is taken; one call reads sixteen numbers ahead. Should a date run
// out (it takes thousands of persons born the same day), the person is born
// a day earlier or later.
//
// # Limits
//
// The population is a snapshot: the register's knowledge of each person
// starts with the record as generated, there is no earlier history, nobody
// is dead, and numbers are never changed. Config.Today is clamped to
// 1970-01-01 through 2057-12-31, the years a personnummer can be born in
// allowing for the oldest persons.
package population
