package web

import "testing"

// TestConsentWordsComplete: every consent text exists in both languages.
func TestConsentWordsComplete(t *testing.T) {
	for _, pair := range [][2]string{{"nl", "en"}, {"en", "nl"}} {
		for key := range consentWords[pair[0]] {
			if _, ok := consentWords[pair[1]][key]; !ok {
				t.Errorf("%s is in %s but not in %s", key, pair[0], pair[1])
			}
		}
	}
}
