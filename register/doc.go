// Package register is the person register: one record per personnummer,
// every change as a command with its own rules, a bitemporal history of
// every fact, and a journal of accepted changes. It is the only package
// that imports Pebble.
//
// # Changes
//
// Apply takes one Change (Birth, Immigration, Emigration, Move, NameChange,
// Marriage, Divorce, Death, ProtectionChange, PNRChange, Correction). A
// change that breaks a rule returns a named error and writes nothing. An
// accepted change commits its person records, history entries, index
// entries and its journal event in one synced batch. One goroutine applies
// changes in order and commits them in groups, so concurrent changes share
// fsyncs, sequence numbers are gap-free and in commit order, and two clerks
// changing the same person at once are simply applied one after the other.
// Building a group, applying the one before it to Pebble and waiting for
// the log syncs of those before that overlap (commit.go); a change is
// answered only once its group is durable.
//
// # History
//
// Every fact (status, name, address, civil status, citizenship,
// protections, children) is a list of entries, each with a valid-from date
// (when it became true) and a registration time (when the register learned
// it). Entries are only added. A correction is a new entry that replaces an
// older one; the older one stays and is shown as corrected (K) or annulled
// (A). AsOf folds the entries known at a time into the person in force on a
// date; the stored record is the same fold at the person's latest date.
//
// # Storage layout
//
// Keys are fixed width and big-endian (keys.go encodes and decodes all of
// them; testdata/keys.golden pins the bytes):
//
//	tag  key                                         value
//	'm'  m | name                                    meta ("format": u32 version)
//	'P'  P | pnr u64                                 person record
//	'H'  H | pnr u64 | seq u64 | ord u8              history entry (a bulk load's: all of a person's, seq 0 ord 0)
//	'J'  J | seq u64                                 event (journal)
//	'A'  A | address (12) | pnr u64 | from u32       residence: to u32 (0 = still there)
//	'B'  B | birth date u32 | pnr u64                (empty)
//	'I'  I | sha256(actor, idempotency key)          body hash, seq, event id, pnr
//
// A pnr is stored as its 10-digit number, a date as yyyymmdd, an address as
// kommunekode, vejkode, husnr, letter, etage, sidedør (see package
// address). Tags are never reused. Values start with a version byte. The
// format version is written on first open; Open upgrades an older one it
// reads (keys.go lists them) and refuses any other.
//
// # Bulk load
//
// Load writes a whole population as sorted sstables and ingests them; its
// entries carry sequence number 0 and no journal events.
package register
