// Package demo builds the demo world that `make run` and `regie host
// --demo` show: fourteen demo organisations that sign and serve statements
// on 127.0.0.1 (and push them to a wallet's inbox), a vault connected to
// all of them, the demo residents of a demo host, and a demo counsellor
// with its key files.
package demo
