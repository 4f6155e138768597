package wallet

import (
	"encoding/json"
	"reflect"
	"testing"
)

// FuzzParseClaims: no input makes the schema decoder panic, and whatever it
// accepts survives a round trip unchanged.
func FuzzParseClaims(f *testing.F) {
	f.Add([]byte(goodDebt))
	f.Add([]byte(goodIncome))
	f.Add([]byte(goodExpense))
	f.Add([]byte(goodIncome2))
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"iss":"a","sub":"123456782","jti":"1","iat":1,"type":"debt","as_of":"2026-01-01","debt":{}}`))
	f.Add([]byte(`[1,2,3]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseClaims(data)
		if err != nil {
			return
		}
		raw, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		again, err := ParseClaims(raw)
		if err != nil {
			t.Fatalf("accepted claims do not parse again: %v\n%s", err, raw)
		}
		if !reflect.DeepEqual(c, again) {
			t.Fatalf("round trip changed the claims:\n%+v\n%+v", c, again)
		}
	})
}
