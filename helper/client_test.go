package helper

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"regie/consent"
	"regie/trust"
)

// TestClientRefusesRedirects: a hostile wallet answers the helper with a
// redirect to another server; the helper does not follow it, so its proof
// and consent token never reach that server.
func TestClientRefusesRedirects(t *testing.T) {
	var reached atomic.Int64
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached.Add(1)
		w.Header().Set("Content-Type", "application/jose")
		w.Write([]byte("not.a.dossier"))
	}))
	defer elsewhere.Close()
	wallet := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, elsewhere.URL+r.URL.Path, http.StatusFound)
	}))
	defer wallet.Close()
	key, err := trust.NewSigningKey("schuldhulp-a-2026")
	if err != nil {
		t.Fatal(err)
	}
	for name, client := range map[string]*Client{
		"default-client": {ID: "schuldhulp-a", Key: key},
		"given-client":   {ID: "schuldhulp-a", Key: key, HTTP: &http.Client{Timeout: 5 * time.Second}},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := client.Redeem(context.Background(), ConsentLink{URL: wallet.URL + "/c/abc"}, consent.PurposeIntake)
			if err == nil {
				t.Error("a redirect was followed to a dossier")
			}
			if _, err := client.Fetch(context.Background(), wallet.URL, "token", consent.PurposeIntake); err == nil {
				t.Error("a redirect was followed with the consent token")
			}
			if n := reached.Load(); n != 0 {
				t.Errorf("the other server got %d requests", n)
			}
		})
	}
}
