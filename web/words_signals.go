package web

// signalWords holds the words of the signal moments and crisis states
// (issue #15): what a crisis means and the one thing to do now, and the
// flags of the moments per kind of debt, in plain Dutch (B1) and English.
// T looks here after the other tables.
var signalWords = map[string]map[string]string{
	"nl": {
		"flag.crisis.eviction_announced":        "%s heeft gezegd dat u op %s uit uw huis moet. Bel hen vandaag. Bel ook uw gemeente: die moet u binnen 3 werkdagen helpen.",
		"flag.crisis.disconnection_announced":   "%s wil u op %s afsluiten. Bel hen vandaag. Bel ook uw gemeente: die moet u binnen 3 werkdagen helpen.",
		"flag.crisis.insurance_terminated":      "%s stopt op %s uw zorgverzekering. Bel hen vandaag. Bel ook uw gemeente: die moet u binnen 3 werkdagen helpen.",
		"flag.cak_handover":                     "U hebt 6 maanden of meer achterstand bij %s. Dan meldt de zorgverzekeraar u bij het CAK en betaalt u een hogere premie. Bel hen en vraag om een regeling.",
		"flag.priority_arrears.heat":            "U hebt een maand of meer achterstand bij %s. Bel hen en vraag om een regeling, zodat u niet wordt afgesloten.",
		"flag.priority_arrears.municipal_tax":   "U hebt een aanmaning gekregen van %s. Bel hen en vraag om uitstel of een betalingsregeling.",
		"flag.priority_arrears.water_board_tax": "U hebt een aanmaning gekregen van %s. Bel hen en vraag om uitstel of een betalingsregeling.",
		"flag.priority_arrears.benefit_reclaim": "U hebt een aanmaning gekregen van %s. Bel hen en vraag om een betalingsregeling.",
		"plan.act.call_crisis":                  "Bel %s vandaag en vraag hoe u dit kunt stoppen.",
		"plan.why.heat":                         "Zo wordt u niet afgesloten.",
		"plan.why.municipal_tax":                "Na deze datum komen er kosten bij.",
		"plan.why.water_board_tax":              "Na deze datum komen er kosten bij.",
		"crisis.title":                          "Doe dit vandaag",
		"crisis.what.eviction_announced":        "%s wil dat u op %s uit uw huis gaat.",
		"crisis.what.disconnection_announced":   "%s wil u op %s afsluiten.",
		"crisis.what.insurance_terminated":      "%s stopt op %s uw zorgverzekering.",
		"crisis.gemeente":                       "Bel daarna de schuldhulp van uw gemeente en zeg dat het dringend is. De gemeente moet u dan binnen 3 werkdagen helpen.",
		"crisis.owed":                           "Totaal",
		"desk.crisis.title":                     "Crisis: binnen 3 werkdagen oppakken",
		"desk.crisis.line":                      "%s: %s op %s",
		"desk.crisis.days":                      "%d dagen achterstand",
	},
	"en": {
		"flag.crisis.eviction_announced":        "%s has said you must leave your home on %s. Call them today. Also call your municipality: it must help you within 3 working days.",
		"flag.crisis.disconnection_announced":   "%s wants to cut you off on %s. Call them today. Also call your municipality: it must help you within 3 working days.",
		"flag.crisis.insurance_terminated":      "%s ends your health insurance on %s. Call them today. Also call your municipality: it must help you within 3 working days.",
		"flag.cak_handover":                     "You are 6 or more months behind with %s. The insurer then reports you to the CAK and you pay a higher premium. Call them and ask for an arrangement.",
		"flag.priority_arrears.heat":            "You are a month or more behind with %s. Call them and ask for an arrangement, so you are not cut off.",
		"flag.priority_arrears.municipal_tax":   "You have had a reminder from %s. Call them and ask for a delay or a payment arrangement.",
		"flag.priority_arrears.water_board_tax": "You have had a reminder from %s. Call them and ask for a delay or a payment arrangement.",
		"flag.priority_arrears.benefit_reclaim": "You have had a reminder from %s. Call them and ask for a payment arrangement.",
		"plan.act.call_crisis":                  "Call %s today and ask how to stop this.",
		"plan.why.heat":                         "That way you are not cut off.",
		"plan.why.municipal_tax":                "After this date, costs are added.",
		"plan.why.water_board_tax":              "After this date, costs are added.",
		"crisis.title":                          "Do this today",
		"crisis.what.eviction_announced":        "%s wants you to leave your home on %s.",
		"crisis.what.disconnection_announced":   "%s wants to cut you off on %s.",
		"crisis.what.insurance_terminated":      "%s ends your health insurance on %s.",
		"crisis.gemeente":                       "Then call your municipality's debt help and say it is urgent. The municipality must then help you within 3 working days.",
		"crisis.owed":                           "Total",
		"desk.crisis.title":                     "Crisis: to be picked up within 3 working days",
		"desk.crisis.line":                      "%s: %s on %s",
		"desk.crisis.days":                      "%d days in arrears",
	},
}
