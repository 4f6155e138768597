package helper

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"

	"regie/consent"
	"regie/internal/httpx"
)

// Client is the helper side of the consent protocol: it redeems a
// resident's consent URL (or short code, or a consent token it holds) with a
// fresh proof signed by the helper's key, and returns the signed dossier:
// as sent, or opened with the helper's encryption key when the wallet sent
// it encrypted. The caller verifies it (consent.VerifyDossier).
type Client struct {
	// ID is the helper's organisation id, as in the wallet's trust list.
	ID string
	// Key is the helper's private signing key.
	Key jose.JSONWebKey
	// Dec is the helper's private encryption key (use "enc" in its key
	// file). A wallet answers a helper that has an encryption key in the
	// trust list with the dossier encrypted to it, so that nobody on the
	// way or on the wallet's host can read it; the client opens it with
	// Dec and returns the signed dossier inside. Zero for a helper without
	// one: then an encrypted answer is refused (consent.ErrCannotOpen).
	Dec jose.JSONWebKey
	// HTTP does the requests; nil means a client with a 30 s timeout.
	HTTP *http.Client
	// Now tells the time for proofs; nil means time.Now.
	Now func() time.Time
}

// ErrWalletUnreachable is what the counsellor is told when the wallet does
// not answer, or its answer breaks off: one sentence about the wallet.
var ErrWalletUnreachable = errors.New("the wallet could not be reached")

// MaxDossier bounds a dossier answer.
const MaxDossier = 32 << 20

// ConsentLink is a parsed consent URL from a QR code.
type ConsentLink struct {
	URL      string // without fragment: what the proof names
	WalletID string // the wk fragment: the wallet key that must sign
}

// consentPath reports whether a URL path is {wallet}/c/{handle}: a hosted
// wallet's address has a path of its own (/v/{vault id}).
func consentPath(p string) bool {
	i := strings.LastIndex(p, "/c/")
	return i >= 0 && i+len("/c/") < len(p) && !strings.Contains(p[i+len("/c/"):], "/")
}

// ParseConsentURL splits a QR code's URL into the address to fetch and the
// wallet key thumbprint from its fragment.
func ParseConsentURL(raw string) (ConsentLink, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || !consentPath(u.Path) {
		return ConsentLink{}, errors.New("not a Regie consent URL (expected http(s)://…/c/…)")
	}
	frag, _ := url.ParseQuery(u.Fragment)
	wk := frag.Get("wk")
	u.Fragment, u.RawFragment, u.RawQuery = "", "", ""
	return ConsentLink{URL: u.String(), WalletID: wk}, nil
}

func (h *Client) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

// client is the HTTP client to use, never following redirects: a wallet
// that redirects would send the proof and the consent token elsewhere.
func (h *Client) client() *http.Client {
	c := http.Client{Timeout: 30 * time.Second}
	if h.HTTP != nil {
		c = *h.HTTP
	}
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

// Redeem fetches the dossier behind a consent URL (as in the QR code).
func (h *Client) Redeem(ctx context.Context, link ConsentLink, purpose consent.Purpose) (string, error) {
	return h.get(ctx, link.URL, purpose, "")
}

// RedeemCode fetches the dossier with a short code read aloud by the resident.
func (h *Client) RedeemCode(ctx context.Context, wallet, code string, purpose consent.Purpose) (string, error) {
	c := consent.NormaliseShortCode(code)
	if c == "" {
		return "", errors.New("a short code has 8 letters and digits")
	}
	return h.get(ctx, strings.TrimSuffix(wallet, "/")+"/c/code/"+c, purpose, "")
}

// Fetch fetches the dossier again later within the grant, with the consent
// token from an earlier dossier.
func (h *Client) Fetch(ctx context.Context, wallet, token string, purpose consent.Purpose) (string, error) {
	return h.get(ctx, strings.TrimSuffix(wallet, "/")+"/api/v1/dossier", purpose, token)
}

func (h *Client) get(ctx context.Context, target string, purpose consent.Purpose, token string) (string, error) {
	proof, err := consent.SignProof(h.Key, h.ID, purpose, http.MethodGet, target, h.now())
	if err != nil {
		return "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Regie-Proof", proof)
	if token != "" {
		req.Header.Set("Authorization", "Regie "+token)
	}
	resp, err := h.client().Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		return "", ErrWalletUnreachable
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, MaxDossier+1))
	if err != nil {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		return "", ErrWalletUnreachable
	}
	if resp.StatusCode != http.StatusOK {
		var body struct {
			Error httpx.Error `json:"error"`
		}
		if json.Unmarshal(raw, &body) == nil && body.Error.Code != "" {
			body.Error.Status = resp.StatusCode
			return "", &body.Error
		}
		return "", &httpx.Error{Status: resp.StatusCode, Code: "http_" + fmt.Sprint(resp.StatusCode), Message: "the wallet refused the request"}
	}
	if len(raw) > MaxDossier {
		return "", &httpx.Error{Code: "dossier_too_large", Message: "the dossier is larger than allowed"}
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/jose") {
		return "", &httpx.Error{Code: "dossier_malformed", Message: "the answer is not a dossier"}
	}
	answer := strings.TrimSpace(string(raw))
	if consent.IsEncrypted(answer) {
		return consent.OpenDossier(answer, h.Dec)
	}
	return answer, nil
}
