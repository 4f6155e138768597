package web

// consentWords are the texts of consent's second edition: purposes that
// last as long as the help, extending a consent, and signals without
// amounts. T looks here after the other tables.
var consentWords = map[string]map[string]string{
	"nl": {
		"purpose.aftercare":     "Nazorg: contact houden nadat uw schulden zijn opgelost",
		"con.months.n":          "%d maanden",
		"con.days.max":          "Voor een intake hoogstens 90 dagen. Voor begeleiding in een schuldhulptraject hoogstens 18 maanden; daarna kunt u verlengen. Voor de rest hoogstens 12 maanden.",
		"con.err.length":        "Voor '%s' kunt u hoogstens %s kiezen.",
		"con.err.signals":       "Signalen kunt u alleen los kiezen. Zet de andere vakjes uit, of zet signalen uit.",
		"con.what.signals":      "Alleen signalen van achterstand (geen bedragen)",
		"con.what.signals.note": "Bij signalen ziet de hulpverlener alleen: bij welke organisatie u achterloopt met betalen, wat voor rekening het is (zoals huur of energie), sinds wanneer en hoe lang al, en of u uit huis gezet of afgesloten kunt worden. De hulpverlener ziet geen bedragen, geen nummers van rekeningen of dossiers, en niets over uw inkomen. Bij vroegsignalering en nazorg is dit de keuze als u niets aanvinkt.",
		"con.extend.title":      "Toestemming verlengen",
		"con.extend.explain":    "Heeft %s meer tijd nodig? Dan kunt u de toestemming verlengen. De tijd telt vanaf vandaag. U krijgt een nieuw bewijs van toestemming.",
		"con.extend.length":     "Hoe lang vanaf vandaag?",
		"con.extend.button":     "Verlengen",
		"con.extend.last":       "Laatst verlengd op %s.",
		"con.extend.err":        "Verlengen lukte niet. Kies een periode die later eindigt dan nu, en hoogstens %s vanaf vandaag.",
		"con.extended":          "De toestemming is verlengd tot %s. Er is een nieuw bewijs van toestemming.",
	},
	"en": {
		"purpose.aftercare":     "Aftercare: staying in touch after your debts are settled",
		"con.months.n":          "%d months",
		"con.days.max":          "For an intake at most 90 days. For a debt-help programme at most 18 months; you can extend it after that. For the rest at most 12 months.",
		"con.err.length":        "For '%s' you can choose at most %s.",
		"con.err.signals":       "Signals can only be chosen on their own. Untick the other boxes, or untick signals.",
		"con.what.signals":      "Only arrears signals (no amounts)",
		"con.what.signals.note": "With signals the counsellor only sees: which organisation you are behind with, what kind of bill it is (such as rent or energy), since when and for how long, and whether you may be evicted or cut off. The counsellor sees no amounts, no account or case numbers, and nothing about your income. For early detection and aftercare this is the choice if you tick nothing.",
		"con.extend.title":      "Extend consent",
		"con.extend.explain":    "Does %s need more time? Then you can extend the consent. The time counts from today. You get a new proof of consent.",
		"con.extend.length":     "How long from today?",
		"con.extend.button":     "Extend",
		"con.extend.last":       "Last extended on %s.",
		"con.extend.err":        "Extending did not work. Choose a period that ends later than now, and at most %s from today.",
		"con.extended":          "The consent is extended until %s. There is a new proof of consent.",
	},
}
