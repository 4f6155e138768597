// Package helper is the debt counsellor's side of Regie: a client that
// redeems a resident's consent with proof of possession, the import that
// verifies a dossier against the counsellor's own trust list, the exports
// for case systems, and the desk (a small web app on the counsellor's own
// machine). It never imports the wallet server: it speaks the helper
// protocol over HTTP like any case system would.
package helper
