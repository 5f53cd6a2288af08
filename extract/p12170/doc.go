// Package p12170 encodes and decodes the CPR P12170 fixed-width extract
// record layout (the change and status extracts sent to subscribers), plus
// the P12180 relative records 031-033 that travel in the same files.
//
// The layout is the file shared/data/cpr-record-layout.tsv, embedded here
// as layout.tsv (a test keeps the copy byte-identical). [Records] and
// [Lookup] expose it; [Builder] writes record lines; [Parse] and [Scanner]
// read them back.
//
// # File format
//
// An extract is ISO-8859-1 text, one record a line, every line ending in
// "\n". A line is exactly its record type's length in bytes (one byte per
// character) before the newline. Every record starts with RECORDTYPE at
// 1/3 and, except 000 and 999, PNR at 4/10. Numeric fields are
// right-aligned and zero-padded; Alpha fields left-aligned and
// space-padded; a blank field is all zeros or all spaces.
//
//	type  family  name                             bytes  fields
//	000   P12170  StartRecord                        35    5
//	001   P12170  PersonInformation                 106   14
//	002   P12170  CurrentAddressInformation         306   24
//	003   P12170  ClearWrittenAddress               249   16
//	004   P12170  Protection                         37    5
//	005   P12170  CurrentDepartureData              200   10
//	006   P12170  ContactAddress                    203    9
//	007   P12170  CurrentDisappearanceInformation    26    4
//	008   P12170  CurrentNameInformation            193   11
//	009   P12170  BirthRegistrationInformation       37    4
//	010   P12170  CurrentCitizenship                 30    5
//	011   P12170  ChurchInformation                  25    5
//	012   P12170  CurrentCivilStatus                 95   11
//	013   P12170  CurrentSeparation                  36    5
//	014   P12170  Child                              23    3
//	015   P12170  ParentsInformation                147   16
//	016   P12170  ParentalAuthority                  58    8
//	017   P12170  Disempowerment                    272   15
//	018   P12170  MunicipalConditions                60    7
//	019   P12170  Notes                              75    6
//	020   P12170  ElectionInformation                47    6
//	021   P12170  RelocationOrder                    63    2
//	022   P12170  HistoricalPNR                      45    7
//	023   P12170  HistoricalAddress                  96   14
//	024   P12170  HistoricalDeparture               218   14
//	025   P12170  HistoricalDisappearance            40    7
//	026   P12170  HistoricalName                    173   13
//	027   P12170  HistoricalCitizenship              44    8
//	028   P12170  HistoricalChurchInformation        36    7
//	029   P12170  HistoricalCivilStatus             109   14
//	030   P12170  HistoricalSeparation               48    8
//	031   P12180  MotherWithClearWrittenAddress     269   18
//	032   P12180  FatherWithClearWrittenAddress     269   18
//	033   P12180  ChildWithClearWrittenAddress      269   18
//	099   P12170  Events                             45    5
//	910   P12170  ErrorRecord                       157    5
//	997   P12170  SubscriptionDeletionReceipt        43    5
//	999   P12170  EndRecord                          21    3
//
// # Field names
//
// Fields are addressed by the layout's CPR name, non-ASCII letters and all
// ("PNRGÆLD", "START_MYNKOD-FØDESTED"). A name that occurs twice in one
// record is addressed by occurrence in position order: the first is the
// plain name, the next "NAME#2". Record 014 has "PNR" (the parent, 4/10)
// and "PNR#2" (the child, 14/10); record 017 has "PNR#2" at 24/1, a
// one-byte field the layout misnames (its English name is
// DisempowermentStartDateUncertainty). In 022 the person's own number is
// "PNRGÆLD" at 4/10 and "PNR" is the old number at 14/10.
//
// # Dates
//
// A field's DateFormat is the layout's date_format: yyyy-MM-dd (Alpha 10),
// yyyyMMdd (Numeric 8), yyyyMMddHHmm or yyyyMMddTTMM (12 digits; TTMM is
// Danish timer/minutter, hours and minutes, so both are written alike).
// [Builder.SetDate] and [Builder.SetTime] format them. Fields the layout
// gives no date_format are plain Alpha or Numeric fields even where the name
// says date (026 NVNHAENSTART, 022 START_DT-PERSON, 012
// HAENSTART-CIVILSTAND, 099 TIMESTAMPU, ...): the caller formats those and
// uses [Builder.Set], and SetDate on them panics. The layout's YYYY-MM-DD
// (records 019, 020) is read as yyyy-MM-dd.
//
// # Where the codec departs from the layout file
//
// The TSV is not internally consistent; the codec trusts positions and
// copes as follows (each adjusted field says so in [Field.Note]):
//
//   - The P12180 rows named "_RelativeClearWrittenAddress", listed under
//     031, are a template: 031, 032 and 033 (all 269 bytes) each get those
//     fields plus their own PNRMOR at 14/10. (032's is named PNRMOR in the
//     layout although it holds the father's number; the name is kept.)
//     Rows are sorted by position, so 031's PNRMOR, listed last, lands at
//     14.
//   - 021 lists only RECORDTYPE. The README's rule adds PNR at 4/10; bytes
//     14-63 are filler.
//   - 099 ends at byte 30 but is 45 bytes long: bytes 31-45 are filler.
//   - 020 START_DT-VALGOPLYSNINGER and SLET_DT-VALGOPLYSNINGER are Numeric
//     with date format YYYY-MM-DD, which has dashes: they are written as
//     Alpha. 020's PNR is Numeric in the layout (Alpha elsewhere) and is
//     kept Numeric.
//
// Filler (bytes no field covers) is written as spaces, and [Parse] rejects
// a line whose filler is not. Other oddities are kept as the layout says:
// 910 has SORTFELT-10 where the README promises PNR; 999 TAELLER (a count)
// is Alpha; 012, 013 and 030 SEP_HENVIS fields are Alpha with a
// yyyyMMddTTMM date format.
//
// # Text
//
// Values are UTF-8 strings in Go and ISO-8859-1 in the file. Alpha values
// are truncated to the field's length in characters, never mid-character;
// a rune above U+00FF, invalid UTF-8 and control characters (C0, DEL, C1:
// a "\n" would split the line) are written as '?'.
//
// # Performance
//
// A Builder owns one buffer as long as the longest record and writes into
// it in place; Set, SetInt, SetDate, SetTime, Reset and AppendTo into a
// buffer with room do not allocate. Set resolves the field name by first
// trying the field after the one set last (callers mostly go in layout
// order), then a per-record map. A hot loop can resolve names once with
// [Record.Index] and use [Builder.SetAt] and friends: building a full 001
// and 002 record then costs a few hundred nanoseconds a record
// (BenchmarkBuild001).
//
// # Errors
//
// [Parse] and [Scanner] return errors wrapping [ErrLength], [ErrType],
// [ErrNumeric], [ErrControl] or [ErrFiller]; test with [errors.Is]. They
// name the record type, field and position, never any of the line's
// content, so they are safe to log. Builder panics on programming errors
// (an unknown record type or field, a Numeric value that does not fit) and
// its panic messages never contain the value either.
package p12170
