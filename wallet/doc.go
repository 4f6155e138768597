// Package wallet is the domain of Regie: the statements organisations sign about
// a resident's debts and income, the encrypted vault that keeps them, the
// tamper-evident event log, and the overview compiler that turns a pile of
// statements into the one page a person under financial stress needs to see.
//
// The package knows nothing of HTTP, JOSE or consent; adapters in connectors,
// consent, api and web build on it.
package wallet
