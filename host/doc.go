// Package host runs many residents' vaults in one process (`regie host`):
// an index (host.db) of keyed login hashes, each vault's public encryption
// key, its box (pending pushes, access events and sealed redemption records)
// and its sessions, beside one vault file per resident. While a resident is
// away the host holds no key that opens their vault, and still takes pushes
// and serves helpers from the box.
package host
