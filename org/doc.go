// Package org is the reference organisation server: the enrolment endpoint
// a wallet calls with the code from the organisation's portal, and the
// signed pull endpoint that serves an enrolled wallet every current
// statement about its resident. Organisations can run it as it is, or read
// it as the executable form of the organisation protocol in DESIGN.md.
package org
