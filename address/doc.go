// Package address holds Danish addresses as the CPR (Det Centrale
// Personregister) codes them, the kommune table, a road register
// (vejregister) and the address texts and fixed-width fields of the CPR
// extract records.
//
// It imports only the standard library.
//
// # Address
//
// An Address is five fields: kommunekode (one of the 98 kommuner, see
// Kommuner), vejkode (1-9999), husnr ("12", "12A"), etage ("", "st", "kl",
// "1"-"99") and sidedør ("", "th", "tv", "mf", or a door designation such as
// "3" or "b12"). Parse checks and normalises them ("012a" becomes "12A",
// "ST." becomes "st", "TH" becomes "th"); Roads.Validate also checks that the
// road exists.
//
// Vejkoder 9900-9999 are special: they name no physical road and are used for
// persons without a fixed abode and similar cases. Only they may go without a
// husnr; their text is the road name alone.
//
// # Errors
//
// Address errors are a *FieldError naming the field by its JSON name
// (kommunekode, vejkode, husnr, etage, sidedoer) and matching ErrInvalid. An
// unknown road also matches ErrUnknownRoad; bad key bytes match ErrCorrupt;
// a bad road register entry matches ErrInvalidRoad. Addresses are personal
// data, so error texts never contain the values being checked, only the rule
// that was broken.
//
// # JSON
//
// An Address encodes as an object of five strings with the codes zero-padded
// to 4 digits:
//
//	{"kommunekode":"0157","vejkode":"0786","husnr":"123A","etage":"st","sidedoer":"tv"}
//
// Decoding goes through Parse and rejects unknown members. The zero Address
// encodes as null, so `json:",omitzero"` leaves it out.
//
// # Keys
//
// Address.AppendKey writes a 12-byte key whose byte order is the logical
// order of addresses; DecodeKey reads it back and accepts only what
// AppendKey writes. The layout is a storage format, pinned by
// testdata/keys.tsv; changing it is a migration.
//
//	offset  size  field
//	0       2     kommunekode, uint16 big-endian
//	2       2     vejkode, uint16 big-endian
//	4       2     husnr number, uint16 big-endian (0: no husnr)
//	6       1     husnr letter 'A'-'Z' (0: none)
//	7       1     etage: 0 blank, 1 kl, 2 st, n+2 for floor n (3-101)
//	8       4     sidedør, ASCII, left-aligned, padded with 0 bytes
//
// Doors compare as bytes: "mf" < "th" < "tv", and "10" < "9".
//
// # Road register
//
// Roads maps (kommunekode, vejkode) to a Road: its name, CPR addressing name
// (VEJADRNVN, at most 20 characters), postnr and post district. It is built
// by NewRoads or LoadRoads (a tab-separated file, see LoadRoads) and written
// by Roads.WriteTSV. Demo returns a synthetic register for all 98 kommuner,
// the same in every run; Synthetic builds others of any size, and
// Roads.RandomAddress draws plausible addresses from one.
//
// # Texts and record fields
//
// Roads.StreetLine and Roads.Text write the standard address the way the CPR
// does: "Strandvejen 123A, st. tv, 2900 Hellerup". Roads.Fixed gives the
// address fields of the P12170 records 002 and 003 padded to their widths
// (Numeric fields right-aligned and zero-padded, Alpha fields left-aligned
// and space-padded, see PadNumeric and PadAlpha); ParseFixed reads the
// record 002 fields back.
package address
