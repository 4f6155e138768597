package web

// debtWords holds the words of the second edition of the debt statement:
// the added categories, statuses and crisis states, in plain Dutch (B1) and
// English. T looks here after words and budgetWords.
var debtWords = map[string]map[string]string{
	"nl": {
		"cat.municipal_tax": "Gemeentebelasting", "cat.water_board_tax": "Waterschapsbelasting", "cat.cak": "Zorgpremie via het CAK",
		"cat.heat": "Warmte", "cat.mortgage": "Hypotheek", "cat.alimony": "Alimentatie", "cat.care_costs": "Eigen bijdrage of eigen risico zorg",
		"cat.private_loan": "Lening van iemand die u kent", "cat.bnpl": "Achteraf betalen",
		"st.enforcement_order": "Dwangbevel", "st.judgment": "Vonnis", "st.disputed": "Betwist", "st.moratorium": "Afkoelingsperiode",
		"st.debt_settlement": "In schuldregeling", "st.wsnp": "Wsnp", "st.paid": "Betaald", "st.waived": "Kwijtgescholden",
		"st.meaning.enforcement_order":   "De overheid heeft een dwangbevel gestuurd. Dan mag zij beslag leggen zonder rechter. Bel snel en vraag om een regeling.",
		"st.meaning.judgment":            "Een rechter heeft gezegd dat u moet betalen. Een deurwaarder mag nu beslag leggen. Bel snel en vraag om een regeling.",
		"st.meaning.disputed":            "U bent het niet eens met deze rekening. De schuldeiser kijkt er nog naar.",
		"st.meaning.moratorium":          "Er is een afkoelingsperiode. Schuldeisers mogen even geen beslag leggen en u niet uit huis zetten.",
		"st.meaning.debt_settlement":     "Deze schuld zit in een schuldregeling. Betaal niet zelf, maar via de regeling.",
		"st.meaning.wsnp":                "Deze schuld valt onder de Wsnp, de wettelijke schuldsanering. Betaal niet zelf, maar via de bewindvoerder.",
		"st.meaning.paid":                "Deze schuld is betaald.",
		"st.meaning.waived":              "U hoeft deze schuld niet meer te betalen: hij is kwijtgescholden.",
		"crisis.eviction_announced":      "Huisuitzetting aangekondigd",
		"crisis.disconnection_announced": "Afsluiting aangekondigd",
		"crisis.insurance_terminated":    "Zorgverzekering beëindigd",
	},
	"en": {
		"cat.municipal_tax": "Municipal tax", "cat.water_board_tax": "Water board tax", "cat.cak": "Health insurance premium via CAK",
		"cat.heat": "Heat", "cat.mortgage": "Mortgage", "cat.alimony": "Alimony", "cat.care_costs": "Care costs (own contribution)",
		"cat.private_loan": "Loan from someone you know", "cat.bnpl": "Buy now, pay later",
		"st.enforcement_order": "Enforcement order", "st.judgment": "Judgment", "st.disputed": "Disputed", "st.moratorium": "Moratorium",
		"st.debt_settlement": "In a debt settlement", "st.wsnp": "Wsnp", "st.paid": "Paid", "st.waived": "Waived",
		"st.meaning.enforcement_order":   "The government sent an enforcement order. It may now seize income without a court. Call soon and ask for an arrangement.",
		"st.meaning.judgment":            "A court said you must pay. A bailiff may now seize income or goods. Call soon and ask for an arrangement.",
		"st.meaning.disputed":            "You do not agree with this bill. The creditor is still looking at it.",
		"st.meaning.moratorium":          "There is a moratorium. Creditors may not seize anything or evict you for a while.",
		"st.meaning.debt_settlement":     "This debt is part of a debt settlement. Do not pay it yourself; pay through the settlement.",
		"st.meaning.wsnp":                "This debt falls under the Wsnp, the statutory debt scheme. Do not pay it yourself; pay through the administrator.",
		"st.meaning.paid":                "This debt is paid.",
		"st.meaning.waived":              "You no longer have to pay this debt: it was waived.",
		"crisis.eviction_announced":      "Eviction announced",
		"crisis.disconnection_announced": "Disconnection announced",
		"crisis.insurance_terminated":    "Health insurance ended",
	},
}
