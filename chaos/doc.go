// Package chaos is the fault, load and abuse suite of the register: it
// kills the server while clients post changes, stops and kills NATS,
// fails the disk under Pebble, sends malformed and hostile requests to
// every route, tries every route and NATS subject without the right to,
// raises the load until latency gives, and checks a status extract taken
// under load against the register. Each scenario fills a part of one
// Report; "cpr chaos" (make chaos) runs them all at full size and writes
// chaos-report.json, and the package tests run a short version.
//
// The crash, bad input, access and external-NATS scenarios run the real
// binary (cpr serve, built once) on a data directory the suite prepares;
// the disk, embedded-NATS and extract scenarios run the same parts
// in-process, where the suite can reach inside (a failing file system,
// the embedded server's Shutdown).
package chaos
