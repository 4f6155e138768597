package web

import "regie/wallet"

// consentWords are the texts of consent's second edition: purposes that
// last as long as the help, extending a consent, and signals without
// amounts. T looks here after the other tables.
var consentWords = map[string]map[string]string{
	"nl": {
		"purpose.aftercare":                  "Nazorg: contact houden nadat uw schulden zijn opgelost",
		"con.months.n":                       "%d maanden",
		"con.days.max":                       "Voor een intake hoogstens 90 dagen. Voor begeleiding in een schuldhulptraject hoogstens 18 maanden; daarna kunt u verlengen. Voor de rest hoogstens 12 maanden.",
		"con.err.length":                     "Voor '%s' kunt u hoogstens %s kiezen.",
		"con.err.signals":                    "Signalen kunt u alleen los kiezen. Zet de andere vakjes uit, of zet signalen uit.",
		"con.what.signals":                   "Alleen signalen van achterstand (geen bedragen)",
		"con.what.signals.note":              "Bij signalen ziet de hulpverlener alleen: bij welke organisatie u achterloopt met betalen, wat voor rekening het is (zoals huur of energie), sinds wanneer en hoe lang al, en of u uit huis gezet of afgesloten kunt worden. De hulpverlener ziet geen bedragen, geen nummers van rekeningen of dossiers, en niets over uw inkomen. Bij vroegsignalering en nazorg is dit de keuze als u niets aanvinkt.",
		"con.extend.title":                   "Toestemming verlengen",
		"con.extend.explain":                 "Heeft %s meer tijd nodig? Dan kunt u de toestemming verlengen. De tijd telt vanaf vandaag. U krijgt een nieuw bewijs van toestemming.",
		"con.extend.length":                  "Hoe lang vanaf vandaag?",
		"con.extend.button":                  "Verlengen",
		"con.extend.last":                    "Laatst verlengd op %s.",
		"con.extend.err":                     "Verlengen lukte niet. Kies een periode die later eindigt dan nu, en hoogstens %s vanaf vandaag.",
		"con.extended":                       "De toestemming is verlengd tot %s. Er is een nieuw bewijs van toestemming.",
		"desk.signals.title":                 "Signalen van achterstand",
		"desk.signals.verified":              "De kluis van de inwoner heeft deze signalen ondertekend. Signalen tonen geen bedragen, geen kenmerken en geen inkomen.",
		"desk.signals.since":                 "Nieuw sinds %s",
		"desk.signals.nonew":                 "Geen nieuwe signalen.",
		"desk.signals.all":                   "Alle signalen nu (crisis eerst)",
		"desk.signals.none":                  "Geen signalen: geen achterstand voorbij het signaalmoment en geen crisis.",
		"desk.signals.again":                 "Nog een inwoner ophalen",
		"sig.line":                           "%s bij %s: achterstand sinds %s",
		"sig.days":                           "(%d dagen)",
		"sig.months.one":                     "(1 maand)",
		"sig.days.one":                       "(1 dag)",
		"sig.months":                         "(%d maanden)",
		"sig.crisis.eviction_announced":      "Uit huis zetten aangekondigd voor %s",
		"sig.crisis.disconnection_announced": "Afsluiten aangekondigd voor %s",
		"sig.crisis.insurance_terminated":    "Zorgverzekering stopt op %s",
		"con.signals.preview":                "Dit zou %s nu zien:",
		"con.signals.none":                   "Er is nu geen achterstand die een signaal geeft. %s ziet dan een lege lijst, tot er een signaal is.",
		"con.signals.will":                   "%s ziet alleen: bij welke organisatie u achterloopt, wat voor rekening het is, sinds wanneer en hoe lang, en of u uit huis gezet of afgesloten kunt worden.",
		"con.signals.wont":                   "%s ziet niet: bedragen, nummers van rekeningen of dossiers, uw inkomen, uw vaste lasten of uw BSN.",
		"con.signals.last":                   "Wat %s de laatste keer zag",
		"con.signals.last.at":                "Opgehaald op %s:",
		"con.signals.last.empty":             "Opgehaald op %s: een lege lijst (geen signalen).",
		"con.signals.never":                  "%s heeft nog niets opgehaald.",
	},
	"en": {
		"purpose.aftercare":                  "Aftercare: staying in touch after your debts are settled",
		"con.months.n":                       "%d months",
		"con.days.max":                       "For an intake at most 90 days. For a debt-help programme at most 18 months; you can extend it after that. For the rest at most 12 months.",
		"con.err.length":                     "For '%s' you can choose at most %s.",
		"con.err.signals":                    "Signals can only be chosen on their own. Untick the other boxes, or untick signals.",
		"con.what.signals":                   "Only arrears signals (no amounts)",
		"con.what.signals.note":              "With signals the counsellor only sees: which organisation you are behind with, what kind of bill it is (such as rent or energy), since when and for how long, and whether you may be evicted or cut off. The counsellor sees no amounts, no account or case numbers, and nothing about your income. For early detection and aftercare this is the choice if you tick nothing.",
		"con.extend.title":                   "Extend consent",
		"con.extend.explain":                 "Does %s need more time? Then you can extend the consent. The time counts from today. You get a new proof of consent.",
		"con.extend.length":                  "How long from today?",
		"con.extend.button":                  "Extend",
		"con.extend.last":                    "Last extended on %s.",
		"con.extend.err":                     "Extending did not work. Choose a period that ends later than now, and at most %s from today.",
		"con.extended":                       "The consent is extended until %s. There is a new proof of consent.",
		"desk.signals.title":                 "Arrears signals",
		"desk.signals.verified":              "The resident's vault signed these signals. Signals show no amounts, no references and no income.",
		"desk.signals.since":                 "New since %s",
		"desk.signals.nonew":                 "No new signals.",
		"desk.signals.all":                   "All signals now (crises first)",
		"desk.signals.none":                  "No signals: no arrears past the signal moment and no crisis.",
		"desk.signals.again":                 "Fetch another resident",
		"sig.line":                           "%s with %s: behind since %s",
		"sig.days":                           "(%d days)",
		"sig.months.one":                     "(1 month)",
		"sig.days.one":                       "(1 day)",
		"sig.months":                         "(%d months)",
		"sig.crisis.eviction_announced":      "Eviction announced for %s",
		"sig.crisis.disconnection_announced": "Cut-off announced for %s",
		"sig.crisis.insurance_terminated":    "Health insurance ends on %s",
		"con.signals.preview":                "This is what %s would see now:",
		"con.signals.none":                   "There are no arrears that give a signal now. %s then sees an empty list, until there is a signal.",
		"con.signals.will":                   "%s only sees: which organisation you are behind with, what kind of bill it is, since when and for how long, and whether you may be evicted or cut off.",
		"con.signals.wont":                   "%s does not see: amounts, account or case numbers, your income, your fixed costs or your BSN.",
		"con.signals.last":                   "What %s saw last time",
		"con.signals.last.at":                "Fetched on %s:",
		"con.signals.last.empty":             "Fetched on %s: an empty list (no signals).",
		"con.signals.never":                  "%s has not fetched anything yet.",
	},
}

// SignalText says one signal in plain words, as the resident reads what a
// signals consent shows: "Energie bij Energie Noord: achterstand sinds 16
// oktober 2026 (35 dagen)", with a crisis after it. name gives an
// organisation's name for its id; nil keeps the id.
func SignalText(lang string, s wallet.Signal, name func(id string) string) string {
	line := T(lang, "sig.line", T(lang, "cat."+string(s.Category)), orgName(s.Organisation, name), LongDate(lang, s.Since.Time()))
	switch {
	case s.DaysInArrears == 1:
		line += " " + T(lang, "sig.days.one")
	case s.DaysInArrears > 0:
		line += " " + T(lang, "sig.days", s.DaysInArrears)
	case s.MonthsInArrears == 1:
		line += " " + T(lang, "sig.months.one")
	case s.MonthsInArrears > 0:
		line += " " + T(lang, "sig.months", s.MonthsInArrears)
	}
	if c := s.Crisis; c != nil {
		line += ". " + T(lang, "sig.crisis."+string(c.State), LongDate(lang, c.Date.Time()))
	}
	return line
}
