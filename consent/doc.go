// Package consent lets a resident decide who may see what, for which purpose
// and for how long, and makes every use visible.
//
// A grant names one helper organisation, a purpose from a fixed list, a scope
// and a period. It is issued as a JWT signed by the wallet key and bound to
// the helper's key (cnf.jkt, RFC 7638), shown as a QR code that points at the
// grant without carrying it, and redeemed only with a fresh proof JWT signed
// by that helper key over the request (the idea of DPoP, RFC 9449). A revoked
// grant stops working at once. Every grant, presentation, release and
// revocation lands in the vault's hash-chained access log.
package consent
