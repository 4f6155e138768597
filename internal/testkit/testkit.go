// Package testkit holds the fixtures Regie's tests share: fast KDF
// parameters, the test passphrase and BSN, a vault in t.TempDir(), test
// organisations with real keys, and signed statements. It exists so that a
// fixture is declared once, not in every package's kit_test.go (bbolt's
// internal/btesting is the model). Only test code imports it; the weak KDF
// parameters here must never reach a production path.
package testkit

import (
	"regie/wallet"
)

// FastKDF makes argon2id cheap (one pass over 8 MiB) so that suites making
// hundreds of vaults stay fast. Never use it outside tests.
var FastKDF = wallet.KDFParams{Time: 1, Memory: 8 << 10, Threads: 1}

// Test identity: the passphrase and an 11-check-valid BSN of the resident
// every fixture vault belongs to.
const (
	Passphrase = "correct horse battery"
	BSN        = "123456782"
)
