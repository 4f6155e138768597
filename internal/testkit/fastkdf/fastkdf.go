// Package fastkdf names the cheap argon2id parameters every test suite
// uses (one pass over 8 MiB), with no imports, so that the in-package tests
// of wallet and trust, which cannot import testkit, take them from the same
// place. Only test code imports it.
package fastkdf

// The parameters; wallet.KDFParams{Time: Time, Memory: Memory, Threads: Threads}.
const (
	Time    = 1
	Memory  = 8 << 10 // KiB
	Threads = 1
)
