// Package pnr parses, validates and allocates Danish personnumre (CPR
// numbers), written DDMMYY-SSSS, following the rules of the CPR office.
//
// # Layout
//
// The first six digits are the birth date (day, month, two-digit year). The
// last four are the serial (løbenummer). The first serial digit, the 7th
// digit of the number, gives the century together with the year:
//
//	7th digit   YY 00-36   YY 37-57   YY 58-99
//	0-3         19YY       19YY       19YY
//	4, 9        20YY       19YY       19YY
//	5-8         20YY       20YY       18YY
//
// so a number can encode birth years 1858 through 2057. Leap years follow
// the Gregorian calendar: 290200-4xxx is 29 February 2000 and valid, while
// 290200-0xxx would be 29 February 1900, which does not exist. The last digit
// gives the sex: odd for men, even for women.
//
// # Modulus 11
//
// Numbers were once issued only when the sum of the digits times the weights
// 4, 3, 2, 7, 6, 5, 4, 3, 2, 1 is divisible by 11. Since 2007 CPR also issues
// numbers that fail that check, because some birth dates (1 January of years
// that many immigrants were registered under) ran out of them. A failing
// check digit therefore never makes a number invalid here; [PNR.Mod11] only
// reports it, and [Allocate] hands out modulus-11 numbers first.
//
// # Storage and privacy
//
// [PNR] is stored as the 10-digit number in a uint64; [PNR.AppendKey] writes
// it as 8 bytes big-endian, so key byte order is numeric order:
//
//	offset  size  content
//	0       8     uint64 DDMMYYSSSS, big-endian
//
// Error strings never contain the number being parsed or any part of it, so
// they are safe to log.
//
// # Errors
//
// Every error returned by this package wraps one of the Err* sentinels; test
// for them with [errors.Is].
package pnr
