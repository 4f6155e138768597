// Package api is the wallet's HTTP face: the resident's JSON API and pages
// behind unlock, the push inbox for organisations, and the helper endpoints
// that release a dossier under consent. The counsellor's side of the same
// protocol lives in package helper.
//
// Everything runs on fiber v2 with Immutable set, so no handler keeps a
// reference into a reused request buffer.
package api
