// Package peer replays the benchmark workload (see bench/README.md) on
// PostgreSQL, the system a ministry would otherwise pick, so that our
// figures have a peer from the same run: the same population loaded with
// COPY, the same year of changes as one transaction each with the same
// concurrency, and the same extracts made with SQL. It starts its own
// server (Start) in a temporary directory on a loopback port. It is the
// only package that imports pgx.
package peer
