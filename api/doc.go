// Package api is Regie's HTTP face: the wallet server (the resident's JSON
// API and pages behind unlock, the push inbox for organisations, and the
// helper endpoints that release a dossier under consent), the helper desk a
// counsellor runs, and a typed Go client for the helper side.
//
// Everything runs on fiber v2 with Immutable set, so no handler keeps a
// reference into a reused request buffer.
package api
