package strictjson

import (
	"errors"
	"strings"
	"testing"
	"time"
)

type inner struct {
	Amount int64 `json:"amount_cents"`
}

type base struct {
	ID string `json:"jti"`
}

type doc struct {
	base
	Sub   string            `json:"sub"`
	Inner inner             `json:"inner"`
	List  []inner           `json:"list"`
	Map   map[string]string `json:"map"`
	Any   any               `json:"any"`
	When  time.Time         `json:"when"`
	Skip  string            `json:"-"`
	Ptr   *inner            `json:"ptr"`
}

func TestDecode(t *testing.T) {
	good := `{"jti":"x","sub":"a","inner":{"amount_cents":1},"list":[{"amount_cents":2}],"map":{"k":"v","K2":"w"},` +
		`"any":{"a":1},"when":"2026-11-26T00:00:00Z","ptr":{"amount_cents":3}}`
	var d doc
	if err := Decode([]byte(good), &d); err != nil {
		t.Fatalf("good document: %v", err)
	}
	if d.ID != "x" || d.Sub != "a" || d.List[0].Amount != 2 || d.Ptr.Amount != 3 || d.Map["K2"] != "w" {
		t.Errorf("decoded %+v", d)
	}
	for _, tc := range []struct {
		name, doc string
		want      error
	}{
		{"top-level-twice", `{"sub":"a","sub":"b"}`, ErrDuplicate},
		{"case-variant-alone", `{"SUB":"b"}`, ErrName},
		{"case-variant-pair", `{"sub":"a","Sub":"b"}`, ErrDuplicate},
		{"long-s", `{"ſub":"b"}`, ErrName},
		{"kelvin-sign-pair-in-map", `{"map":{"k":"v","\u212a":"w"}}`, ErrDuplicate},
		{"embedded-field-case", `{"JTI":"x"}`, ErrName},
		{"nested-twice", `{"inner":{"amount_cents":1,"amount_cents":2}}`, ErrDuplicate},
		{"in-array", `{"list":[{"amount_cents":1},{"Amount_Cents":2}]}`, ErrName},
		{"pointer-struct", `{"ptr":{"AMOUNT_CENTS":3}}`, ErrName},
		{"map-exact-twice", `{"map":{"k":"v","k":"w"}}`, ErrDuplicate},
		{"interface-twice", `{"any":{"a":1,"a":2}}`, ErrDuplicate},
		{"escaped-name-twice", `{"sub":"a","s\u0075b":"b"}`, ErrDuplicate},
		{"escaped-case-variant", `{"\u0053ub":"b"}`, ErrName},
		{"unknown", `{"colour":"red"}`, ErrName},
		{"skipped-field-by-name", `{"Skip":"x"}`, ErrName},
		{"trailing", `{"sub":"a"} {}`, ErrTrailing},
		{"deep", strings.Repeat(`{"any":`, 70) + `1` + strings.Repeat(`}`, 70), ErrDepth},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var d doc
			if err := Decode([]byte(tc.doc), &d); !errors.Is(err, tc.want) {
				t.Errorf("Decode: %v, want %v", err, tc.want)
			}
		})
	}
	for _, bad := range []string{"", "{", `{"sub":1}`, `[1,2]`} {
		var d doc
		if err := Decode([]byte(bad), &d); err == nil {
			t.Errorf("Decode(%q) accepted it", bad)
		}
	}
}
