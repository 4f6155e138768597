package wallet

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// TestEventFormatIsKept: entries written before Event had typed fields
// (scope and import topics shared "categories"; refusal codes and import
// channels shared "reason") read into the right fields and write back byte
// for byte, so old hash chains still verify and the audit API and CLI show
// the same JSON.
func TestEventFormatIsKept(t *testing.T) {
	tests := []struct {
		raw  string
		want Event
	}{
		{`{"seq":1,"time":"2026-11-26T04:00:00Z","kind":"statement_imported","actor":"cjib","categories":["fine"],"reason":"file","count":2,"prev":""}`,
			Event{Kind: EventStatementImported, Actor: "cjib", Topics: []Topic{"fine"}, Via: ChannelFile, Count: 2}},
		{`{"seq":2,"time":"2026-11-26T04:00:00Z","kind":"statement_imported","actor":"uwv","categories":["income"],"reason":"pull","count":1,"prev":"ab"}`,
			Event{Kind: EventStatementImported, Actor: "uwv", Topics: []Topic{TopicIncome}, Via: ChannelPull, Count: 1, Prev: "ab"}},
		{`{"seq":3,"time":"2026-11-26T04:00:00Z","kind":"grant_made","actor":"schuldhulp-a","purpose":"debt-help-intake","categories":["debts","source:uwv"],"grant":"g-1","prev":"cd"}`,
			Event{Kind: EventGrantMade, Actor: "schuldhulp-a", Purpose: "debt-help-intake", Scope: []string{"debts", "source:uwv"}, Grant: "g-1", Prev: "cd"}},
		{`{"seq":4,"time":"2026-11-26T04:00:00Z","kind":"presentation_refused","purpose":"debt-help-intake","categories":["debts"],"grant":"g-1","reason":"proof_wrong_key","count":3,"last":"2026-11-26T04:05:00Z","prev":"ef"}`,
			Event{Kind: EventPresentationNotOK, Purpose: "debt-help-intake", Scope: []string{"debts"}, Grant: "g-1", Reason: "proof_wrong_key", Count: 3,
				Last: time.Date(2026, 11, 26, 4, 5, 0, 0, time.UTC), Prev: "ef"}},
		{`{"seq":5,"time":"2026-11-26T04:00:00Z","kind":"source_connected","actor":"cjib","prev":"01"}`,
			Event{Kind: EventSourceConnected, Actor: "cjib", Prev: "01"}},
	}
	for _, tt := range tests {
		var e Event
		if err := json.Unmarshal([]byte(tt.raw), &e); err != nil {
			t.Fatal(err)
		}
		tt.want.Seq, tt.want.Time = e.Seq, time.Date(2026, 11, 26, 4, 0, 0, 0, time.UTC)
		if !reflect.DeepEqual(e, tt.want) {
			t.Errorf("read %s\n as %+v\nwant %+v", tt.raw, e, tt.want)
		}
		back, err := json.Marshal(e)
		if err != nil || string(back) != tt.raw {
			t.Errorf("wrote back %s\n     want %s (%v)", back, tt.raw, err)
		}
	}
}

// TestTopicOf: the log names a debt by its category, and income and fixed
// costs apart (fixed costs were once logged as income).
func TestTopicOf(t *testing.T) {
	for _, tt := range []struct {
		s    Statement
		want Topic
	}{
		{Statement{Claims: Claims{Type: TypeDebt, Debt: &Debt{Category: CategoryRent}}}, Topic(CategoryRent)},
		{Statement{Claims: Claims{Type: TypeIncome, Income: &Income{}}}, TopicIncome},
		{Statement{Claims: Claims{Type: TypeExpense, Expense: &Expense{}}}, TopicExpense},
	} {
		if got := TopicOf(&tt.s); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.s.Type, got, tt.want)
		}
	}
}
