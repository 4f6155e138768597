// Package demo builds the demo world that `make run` shows: fourteen demo
// organisations that sign and serve statements on 127.0.0.1, a vault
// connected to all of them, and a demo counsellor with its key files.
package demo
