// Package connectors brings signed statements from organisations into the
// vault, and refuses everything it cannot prove an organisation signed.
//
// It holds the trust list (who the organisations are, their keys, what each
// may sign), the JWS verifier, and three ways in: file import, pull from an
// organisation's endpoint after enrolment, and the push inbox. It also holds
// the organisation side: key generation, statement signing, and the
// reference organisation server that anyone can run to play an organisation.
package connectors
