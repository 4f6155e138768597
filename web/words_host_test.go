package web

import "testing"

// TestHostWordsComplete: every sign-up and login text exists in both
// languages, so an English page never falls back to Dutch and no key shows.
func TestHostWordsComplete(t *testing.T) {
	for _, pair := range [][2]string{{"nl", "en"}, {"en", "nl"}} {
		for key := range hostWords[pair[0]] {
			if _, ok := hostWords[pair[1]][key]; !ok {
				t.Errorf("%s is in %s but not in %s", key, pair[0], pair[1])
			}
		}
	}
}
