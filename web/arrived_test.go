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
		// refusedFrom is last: the cases without it leave it out.
		refusedFrom []string
	}{
		{"nothing", "nl", 0, nil, 0, nil, nil, nil},
		{"two from two", "nl", 2, []string{"Eneco", "CJIB"}, 0, nil,
			[]string{"Terwijl u weg was: 2 nieuwe overzichten van Eneco en CJIB."}, nil},
		{"one from one", "nl", 1, []string{"Eneco"}, 0, nil, []string{"Terwijl u weg was: 1 nieuw overzicht van Eneco."}, nil},
		{"three names", "en", 3, []string{"A", "B", "C"}, 0, nil, []string{"While you were away: 3 new statements from A, B and C."}, nil},
		{"refused in words", "nl", 0, nil, 1, []string{"bad_signature"}, []string{
			"1 bericht is niet in uw kluis gezet: de handtekening klopt niet; het bericht is misschien veranderd.",
			"Daardoor is er niets veranderd in uw overzicht. U hoeft niets te doen."}, nil},
		{"refused about someone else, with the sender", "nl", 0, nil, 500, []string{"wrong_subject"}, []string{
			"500 berichten zijn niet in uw kluis gezet: het bericht gaat over iemand anders.",
			"De berichten over iemand anders kwamen van Belastingdienst.",
			"Daardoor is er niets veranderd in uw overzicht. U hoeft niets te doen."}, []string{"Belastingdienst"}},
		{"refused about someone else, in English", "en", 0, nil, 2, []string{"wrong_subject"}, []string{
			"2 messages were not put in your vault: the statement is about someone else.",
			"The messages about someone else came from A and B.",
			"So nothing changed in your overview. You do not need to do anything."}, []string{"A", "B"}},
		{"refused without a reason", "nl", 2, nil, 2, nil, []string{
			"Terwijl u weg was: 2 nieuwe overzichten.",
			"2 berichten zijn niet in uw kluis gezet: het bericht kon niet worden gecontroleerd.",
			"Daardoor is er niets veranderd in uw overzicht. U hoeft niets te doen."}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ArrivedText(tc.lang, tc.added, tc.from, tc.refused, tc.reasons, tc.refusedFrom); !reflect.DeepEqual(got, tc.sentences) {
				t.Errorf("got %q\nwant %q", got, tc.sentences)
			}
		})
	}
}
