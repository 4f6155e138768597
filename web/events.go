package web

import (
	"strings"

	"regie/wallet"
)

// DescribeEvent says in plain words, in lang, who did what in one access
// log entry. The log page and `regie audit` both describe entries with it,
// so the log reads the same wherever the resident looks. name gives an
// organisation's name for its id; nil, or an empty answer, keeps the id.
func DescribeEvent(lang string, e wallet.Event, name func(id string) string) (who, what string) {
	who = orgName(e.Actor, name)
	cats := make([]string, 0, len(e.Scope)+len(e.Topics))
	for _, sc := range e.Scope {
		cats = append(cats, ScopeLabel(lang, sc, name))
	}
	for _, tp := range e.Topics {
		cats = append(cats, TopicLabel(lang, tp))
	}
	list := strings.Join(cats, ", ")
	switch e.Kind {
	case wallet.EventGrantMade:
		what = T(lang, "ev.grant_made", list)
	case wallet.EventGrantExtended:
		what = T(lang, "ev.grant_extended", list)
	case wallet.EventPresentationNotOK:
		what = T(lang, "ev.presentation_refused", RefusalReason(lang, e.Reason))
		if who == "" {
			// Only a refusal whose proof verified names a helper.
			who = T(lang, "ev.unknown_party")
		}
		if e.Count > 1 {
			what += " — " + T(lang, "ev.times", e.Count, LongDateTime(lang, e.Last))
		}
	case wallet.EventDossierReleased:
		what = T(lang, "ev.dossier_released", list)
	case wallet.EventStatementImported:
		key := "ev.statement_imported.n"
		if e.Count == 1 {
			key = "ev.statement_imported.one"
		}
		what = T(lang, key, e.Count, list)
	case wallet.EventStatementRefused:
		key := "ev.statement_refused.n"
		if e.Count == 1 {
			key = "ev.statement_refused.one"
		}
		what = T(lang, key, e.Count, ImportReason(lang, e.Reason))
	default:
		what = T(lang, "ev."+string(e.Kind))
	}
	return who, what
}

// RefusalReason says in words why a request for data was refused, for a
// refusal code such as consent_revoked; a code without words gets a
// general reason, so that a resident never sees a raw code.
func RefusalReason(lang, code string) string {
	return wordOr(lang, "reason."+code, "reason.other")
}

// ImportReason says in words why a statement or file was refused at
// import, for a refusal code such as wrong_subject; a code without words
// gets a general reason.
func ImportReason(lang, code string) string {
	return wordOr(lang, "import."+code, "import.other")
}

// wordOr is the words for key, or for fallback when key has none.
func wordOr(lang, key, fallback string) string {
	if w := T(lang, key); w != key {
		return w
	}
	return T(lang, fallback)
}

// ScopeLabel names one entry of a consent's scope in words: "debts",
// "income", "expenses", "client", or "source:ORG" by the organisation's
// name.
func ScopeLabel(lang, sc string, name func(id string) string) string {
	if id, ok := wallet.ScopeSource(sc); ok {
		return T(lang, "con.what.source", orgName(id, name))
	}
	return T(lang, "con.what."+sc)
}

// TopicLabel names what an import brought: a debt category, income or
// fixed costs.
func TopicLabel(lang string, tp wallet.Topic) string {
	switch tp {
	case wallet.TopicIncome:
		return T(lang, "con.what.income")
	case wallet.TopicExpense:
		return T(lang, "topic.expense")
	}
	return T(lang, "cat."+string(tp))
}

func orgName(id string, name func(string) string) string {
	if name != nil {
		if n := name(id); n != "" {
			return n
		}
	}
	return id
}
