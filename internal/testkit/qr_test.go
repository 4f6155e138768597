package testkit

import (
	"crypto/rand"
	"encoding/base64"
	"testing"

	qrgen "github.com/skip2/go-qrcode"
)

// TestDecodeQRReadsRandomConsentURLs reads back many QR codes of URLs shaped
// like a consent pointer, as the consent service encodes them.
func TestDecodeQRReadsRandomConsentURLs(t *testing.T) {
	for i := 0; i < 300; i++ { // without the quarter turn about 3 of 300 fail
		h := make([]byte, 16)
		w := make([]byte, 32)
		rand.Read(h)
		rand.Read(w)
		url := "http://127.0.0.1:8080/c/" + base64.RawURLEncoding.EncodeToString(h) + "#wk=" + base64.RawURLEncoding.EncodeToString(w)
		png, err := qrgen.Encode(url, qrgen.Medium, 320)
		if err != nil {
			t.Fatal(err)
		}
		if got := DecodeQR(t, png); got != url {
			t.Fatalf("read %q, want %q", got, url)
		}
	}
}
