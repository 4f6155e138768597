// Package trust decides whom the wallet believes. It holds the trust list
// (who the organisations are, their public keys, what each may sign), the
// JOSE header policy every Regie token kind shares, the statement Verifier
// with its typed refusals, key files for organisations and helpers, and the
// request token a wallet signs to pull statements.
//
// Nothing here talks HTTP: the organisation server (package org), the
// importer (package connectors) and the consent service build on it.
package trust
