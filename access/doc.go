// Package access is who may call the register and what they did: users
// with one role each, personal tokens, the access log of every read of a
// person's data (and every refused attempt), and the rules that flag
// unusual patterns in it.
//
// # Users and tokens
//
// A user has one Role. Clerks belong to a kommune, citizens to their own
// pnr, subscriber users to a subscriber. A token is a random secret,
// "cpr_" and 43 base64url characters (32 bytes from crypto/rand), shown
// once by IssueToken. Only sha256(secret) is stored; the public token id
// is the first 16 hex digits of that hash, so RevokeToken finds the token
// by a prefix scan. Tokens expire (8 hours by default, 90 days at most),
// can be revoked, and stop working when their user is disabled or deleted.
//
// # The access log
//
// Log and LogMany write an entry and its index entries in one synced
// batch, so the log and its indexes never disagree; concurrent calls share
// fsyncs through Pebble's group commit. Ids are ULIDs: time first, so a
// time range is a key range. Query reads newest first through the pnr or
// user index, or the whole log.
//
// # Unusual patterns
//
// Flags scans the successful reads and accepted changes in a time range
// and applies the Rules: many distinct persons in a short window, reads
// outside office hours (Copenhagen time, weekdays), clerks reading persons
// of another kommune, reads of protected persons, and clerks moving a
// person in from another kommune. It answers a page of flags and the
// totals per rule of the whole window.
//
// # What is logged
//
// Reads (read), refusals of authenticated users (denied, with the pnr
// they targeted), accepted writes (changed, one entry per person touched),
// repeats of a write (replayed), writes the register's rules refused
// (refused), and administrators' actions (admin, with a Target). Every
// entry names the user and the public id of the token used. Calls
// without a valid token are not logged here (the api counts them).
//
// # Storage layout
//
// The records live in the register's record store; the register adds the
// space tag. keys.go encodes and decodes every key and value;
// testdata/format.golden pins the bytes.
//
//	space  key                                  value
//	'U'    U | user id                          version 1 | JSON User
//	'U'    U | 0x00 | user id | 0x00 | tid(8)   sha256(secret) (32): the user's tokens
//	'U'    U | 0x01 | pnr u64                   citizen user id: one citizen user a pnr
//	'U'    U | 0x01                             version 1: the citizen index is complete
//	'T'    T | sha256(secret) (32)              version 1 | JSON Token
//	'L'    L | ulid (16)                        version 2 (or 1) | entry (binary, below)
//	'X'    X | pnr u64 | ulid (16)              (empty)
//	'Y'    Y | user id | 0x00 | ulid (16)       (empty)
//
// User ids are [a-z0-9][a-z0-9._-]{0,63}: they never hold 0x00 and never
// start with it, so the token index sits apart from the user records, and
// a user's keys in Y end at its 0x00. tid is the first 8 bytes of the
// token hash (its public id in binary). The token index is kept in the
// user space rather than under T because a token hash may start with any
// byte.
//
// A log entry's value is: version u8 (2); the nanoseconds within the id's
// millisecond (uvarint); user (uvarint length, bytes); role (u8 code: 0
// none, 1 clerk, 2 lookup, 3 auditor, 4 citizen, 5 subscriber, 6 admin);
// pnr (uvarint, 0 none); call and purpose (uvarint length, bytes each);
// outcome (u8 code: 1 read, 2 denied, 3 changed, 4 replayed, 5 refused,
// 6 admin); status, person kommune, user kommune (uvarint each); flags
// (u8, bit 0 protected, bit 1 token id follows); the token id (8 bytes,
// if bit 1); target (uvarint length, bytes); persons (uvarint). Version 1
// values end at the flags and are still read. Codes are never
// renumbered. Decoders return errors wrapping ErrCorrupt.
//
// User ids never start with 0x00 or 0x01, so the token and citizen
// indexes sit apart from the user records. The citizen index is built
// from the stored users the first time a citizen user is created after
// an upgrade (a migration in CreateUser).
//
// # Security
//
// No error string or log line holds a pnr, a name, an address or a token
// secret. User ids may not contain anything that looks like a pnr, since
// they are logged and are part of the Y keys.
package access
