// Package bench holds wuye's benchmarks: the archive's Excel import of
// 100k houses against raw inserts, and the one-box search at 100k houses,
// each on SQLite and PostgreSQL. Run them with `make bench`; the figures
// of a full run are in RESULTS.md.
package bench
