package web

import (
	"reflect"
	"testing"
)

func TestArrivedText(t *testing.T) {
	for _, tc := range []struct {
		name      string
		lang      string
		added     int
		from      []string
		refused   int
		reasons   []string
		sentences []string
	}{
		{"nothing", "nl", 0, nil, 0, nil, nil},
		{"two from two", "nl", 2, []string{"Eneco", "CJIB"}, 0, nil,
			[]string{"Terwijl u weg was: 2 nieuwe overzichten van Eneco en CJIB."}},
		{"one from one", "nl", 1, []string{"Eneco"}, 0, nil, []string{"Terwijl u weg was: 1 nieuw overzicht van Eneco."}},
		{"three names", "en", 3, []string{"A", "B", "C"}, 0, nil, []string{"While you were away: 3 new statements from A, B and C."}},
		{"refused in words", "nl", 0, nil, 1, []string{"bad_signature"}, []string{
			"1 bericht is niet in uw kluis gezet: de handtekening klopt niet; het bericht is misschien veranderd.",
			"Daardoor is er niets veranderd in uw overzicht. U hoeft niets te doen."}},
		{"refused without a reason", "nl", 2, nil, 2, nil, []string{
			"Terwijl u weg was: 2 nieuwe overzichten.",
			"2 berichten zijn niet in uw kluis gezet: het bericht kon niet worden gecontroleerd.",
			"Daardoor is er niets veranderd in uw overzicht. U hoeft niets te doen."}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ArrivedText(tc.lang, tc.added, tc.from, tc.refused, tc.reasons); !reflect.DeepEqual(got, tc.sentences) {
				t.Errorf("got %q\nwant %q", got, tc.sentences)
			}
		})
	}
}
