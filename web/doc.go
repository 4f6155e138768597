// Package web renders Regie's pages: plain Dutch (B1) by default, English on
// request, readable on a 360 px phone, usable by keyboard and screen reader,
// and working without JavaScript. It holds the templates, the words, the
// formatting of money and dates, the debt chart, and the static assets, all
// embedded in the binary. The HTTP handlers that use it live in package api.
package web
