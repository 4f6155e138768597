package web

import (
	"regexp"
	"strings"
	"testing"

	"regie/wallet"
)

// rawCode is a code such as consent_revoked: lower-case words joined by
// underscores, never meant for a resident's eyes.
var rawCode = regexp.MustCompile(`\b[a-z]+(_[a-z]+)+\b`)

// TestDescribeEventWords: an import of one statement is "1 bericht", of
// more "berichten"; a refusal says why in words of the page's language,
// never as a raw code, whatever the code, known or not.
func TestDescribeEventWords(t *testing.T) {
	imported := func(n int) wallet.Event {
		return wallet.Event{Kind: wallet.EventStatementImported, Actor: "cjib", Count: n, Topics: []wallet.Topic{wallet.TopicIncome}}
	}
	for _, tc := range []struct {
		name, lang string
		e          wallet.Event
		want       string
	}{
		{"one statement nl", "nl", imported(1), "1 bericht ontvangen"},
		{"two statements nl", "nl", imported(2), "2 berichten ontvangen"},
		{"one statement en", "en", imported(1), "1 statement received"},
		{"two statements en", "en", imported(2), "2 statements received"},
		{"revoked nl", "nl", wallet.Event{Kind: wallet.EventPresentationNotOK, Reason: "consent_revoked"}, "u had de toestemming ingetrokken"},
		{"revoked en", "en", wallet.Event{Kind: wallet.EventPresentationNotOK, Reason: "consent_revoked"}, "you had withdrawn the consent"},
		{"unknown code nl", "nl", wallet.Event{Kind: wallet.EventPresentationNotOK, Reason: "something_new"}, "geweigerd"},
		{"unknown code en", "en", wallet.Event{Kind: wallet.EventPresentationNotOK, Reason: "something_new"}, "refused"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, what := DescribeEvent(tc.lang, tc.e, nil)
			if !strings.Contains(what, tc.want) {
				t.Errorf("%q lacks %q", what, tc.want)
			}
			if strings.Contains(what, "(en)") || strings.Contains(what, "(s)") || rawCode.MatchString(what) {
				t.Errorf("%q shows a raw code or a (en)/(s) plural", what)
			}
		})
	}
	// Every reason a presentation can be refused for has words in both languages.
	for _, code := range []string{"code_blocked", "code_invalid", "consent_expired", "consent_invalid", "consent_not_yet_valid",
		"consent_revoked", "consent_unknown", "consent_used_up", "not_a_helper", "out_of_scope", "proof_invalid", "proof_missing",
		"proof_replayed", "proof_stale", "proof_wrong_key", "proof_wrong_url", "wrong_audience", "wrong_purpose"} {
		for _, lang := range Languages {
			if got := RefusalReason(lang, code); got == T(lang, "reason.other") || rawCode.MatchString(got) {
				t.Errorf("%s %s: %q", lang, code, got)
			}
		}
	}
	// Every reason a statement can be refused for at import, too.
	for _, code := range []string{"malformed", "unreadable", "too_large", "unsupported_algorithm", "forbidden_header", "wrong_type",
		"unknown_issuer", "unknown_key", "bad_signature", "issuer_mismatch", "not_allowed", "invalid_payload", "wrong_subject",
		"expired", "issued_in_future"} {
		for _, lang := range Languages {
			if got := ImportReason(lang, code); got == T(lang, "import.other") || rawCode.MatchString(got) {
				t.Errorf("%s %s: %q", lang, code, got)
			}
		}
	}
}

// TestCountsInWords: a count of one reads in the singular, more in the
// plural, in both languages (the log's check line, how often a consent was
// used and may be used).
func TestCountsInWords(t *testing.T) {
	r, err := NewRenderer()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		lang string
		n    int
		want string
	}{
		{"nl", 1, "1 regel gecontroleerd"},
		{"nl", 2, "2 regels gecontroleerd"},
		{"en", 1, "1 line checked"},
		{"en", 2, "2 lines checked"},
	} {
		t.Run(tc.lang+"-"+tc.want, func(t *testing.T) {
			var buf strings.Builder
			if err := r.Render(&buf, "log", Page{Lang: tc.lang, Data: map[string]any{"Intact": true, "Checked": tc.n}}); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(buf.String(), tc.want) {
				t.Errorf("the log page lacks %q", tc.want)
			}
		})
	}
	for _, tc := range []struct{ lang, key, want1, want2 string }{
		{"en", "con.uses", "used once", "used 2 times"},
		{"en", "con.preview.uses", "at most once", "at most 2 times"},
		{"nl", "con.uses", "1 keer gebruikt", "2 keer gebruikt"},
	} {
		if got := T(tc.lang, tc.key+".one"); got != tc.want1 {
			t.Errorf("%s %s.one = %q, want %q", tc.lang, tc.key, got, tc.want1)
		}
		if got := T(tc.lang, tc.key+".n", 2); got != tc.want2 {
			t.Errorf("%s %s.n = %q, want %q", tc.lang, tc.key, got, tc.want2)
		}
	}
}
