package trust

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"time"
)

// RequestType is the typ of the JWT a wallet signs to pull statements.
const RequestType = "regie-request+jwt"

// Clock skews the organisation protocol tolerates.
const (
	RequestSkew  = 60 * time.Second
	EnrolCodeTTL = 15 * time.Minute
)

// RequestClaims are the claims of a pull request JWT.
type RequestClaims struct {
	Issuer   string `json:"iss"` // the connection id
	Audience string `json:"aud"` // the organisation id
	Method   string `json:"htm"`
	URL      string `json:"htu"`
	IssuedAt int64  `json:"iat"`
	ID       string `json:"jti"`
}

// RandomID returns n random bytes as base64url.
func RandomID(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// SignRequest makes the request JWT for one pull, signed by the wallet.
func SignRequest(f Factotum, connection, orgID, method, url string, now time.Time) (string, error) {
	claims, err := json.Marshal(RequestClaims{Issuer: connection, Audience: orgID, Method: method, URL: url,
		IssuedAt: now.Unix(), ID: RandomID(16)})
	if err != nil {
		return "", err
	}
	return SignAsWallet(f, RequestType, claims, false)
}
