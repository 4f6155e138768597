package web

import "testing"

// TestChangeWordsComplete: every word of "what changed" exists in both
// languages and in no other table, so neither language falls back to the
// other and no other table's word shadows one.
func TestChangeWordsComplete(t *testing.T) {
	for _, pair := range [][2]string{{"nl", "en"}, {"en", "nl"}} {
		for key := range changeWords[pair[0]] {
			if _, ok := changeWords[pair[1]][key]; !ok {
				t.Errorf("%s is in %s but not in %s", key, pair[0], pair[1])
			}
			for _, other := range []map[string]map[string]string{words, budgetWords, debtWords, hostWords} {
				if _, ok := other[pair[0]][key]; ok {
					t.Errorf("%s is also in another table", key)
				}
			}
		}
	}
}
