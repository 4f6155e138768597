package web

import (
	"embed"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"

	"regie/wallet"
)

//go:embed templates/*.html templates/partials/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Static is the embedded assets folder (CSS, the desk's scanner script),
// served under /static/.
func Static() fs.FS {
	sub, _ := fs.Sub(staticFS, "static")
	return sub
}

// Languages the pages speak; the first is the default.
var Languages = []string{"nl", "en"}

// Lang returns a supported language for s, Dutch when in doubt.
func Lang(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	for _, l := range Languages {
		if strings.HasPrefix(s, l) {
			return l
		}
	}
	return "nl"
}

// T returns the text for key in lang, formatted with args.
func T(lang, key string, args ...any) string {
	w, ok := word(lang, key)
	if !ok {
		w, ok = word("nl", key)
	}
	if !ok {
		return key
	}
	if len(args) > 0 {
		return fmt.Sprintf(w, args...)
	}
	return w
}

// word looks key up in the words of lang, then in the budget's and the
// second-edition debt's words.
func word(lang, key string) (string, bool) {
	for _, table := range []map[string]map[string]string{words, budgetWords, debtWords, hostWords, changeWords, signalWords, consentWords} {
		if w, ok := table[lang][key]; ok {
			return w, true
		}
	}
	return "", false
}

// Page is what every template receives.
type Page struct {
	Lang     string
	Title    string
	Active   string // which menu item is current
	CSRF     string
	LoggedIn bool
	Path     string // the current path, for the language switch
	Flash    string
	Error    string
	Data     any
	Desk     bool // the helper desk layout
	// Next is the page to return to after unlocking, when the session
	// ended while the resident was elsewhere.
	Next string
	// KeptID names a form kept at the session's end; the unlock form
	// carries it so that the form comes back after unlocking.
	KeptID string
	// Kept is that form, filled in again on its page after the unlock.
	Kept KeptForm
	// Account is the path of the resident's account page (passphrase,
	// deleting the vault) on a host; empty where there is none.
	Account string
}

// Renderer holds the parsed templates for every page and language.
type Renderer struct {
	pages map[string]*template.Template // key: lang + "/" + page
}

// NewRenderer parses the embedded templates.
func NewRenderer() (*Renderer, error) {
	r := &Renderer{pages: map[string]*template.Template{}}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, lang := range Languages {
		base, err := template.New("layout.html").Funcs(funcs(lang)).ParseFS(templateFS, "templates/layout.html", "templates/partials/*.html")
		if err != nil {
			return nil, err
		}
		for _, n := range names {
			name := strings.TrimSuffix(path.Base(n), ".html")
			if name == "layout" {
				continue
			}
			t, err := template.Must(base.Clone()).ParseFS(templateFS, n)
			if err != nil {
				return nil, fmt.Errorf("template %s: %w", name, err)
			}
			r.pages[lang+"/"+name] = t
		}
	}
	return r, nil
}

// Render writes page in p.Lang.
func (r *Renderer) Render(w io.Writer, page string, p Page) error {
	t, ok := r.pages[Lang(p.Lang)+"/"+page]
	if !ok {
		return fmt.Errorf("no page %q", page)
	}
	return t.ExecuteTemplate(w, "layout.html", p)
}

func funcs(lang string) template.FuncMap {
	return template.FuncMap{
		"t": func(key string, args ...any) string { return T(lang, key, args...) },
		// tc is t for a page the resident or the counsellor reads: the
		// counsellor gets the "desk."-prefixed words where they exist, so
		// nothing addresses the counsellor as if they were the debtor.
		"tc": func(resident bool, key string, args ...any) string {
			if _, ok := word(lang, "desk."+key); ok && !resident {
				key = "desk." + key
			}
			return T(lang, key, args...)
		},
		"missingFor": func(resident bool, m []wallet.MissingCost) string {
			if resident {
				return MissingText(lang, m)
			}
			return deskMissingText(lang, m)
		},
		"money": func(c wallet.Cents) string { return Money(c) },
		"date": func(v any) string {
			switch d := v.(type) {
			case time.Time:
				return LongDate(lang, d)
			case wallet.Date:
				return LongDate(lang, d.Time())
			}
			return ""
		},
		"datetime":     func(t time.Time) string { return LongDateTime(lang, t) },
		"cat":          func(c wallet.Category) string { return T(lang, "cat."+string(c)) },
		"status":       func(s wallet.Status) string { return T(lang, "st."+string(s)) },
		"kind":         func(k wallet.IncomeKind) string { return T(lang, "kind."+string(k)) },
		"flag":         func(f wallet.Flag) string { return FlagText(lang, f) },
		"chart":        func(c []wallet.CategoryTotal) template.HTML { return Chart(lang, c) },
		"join":         strings.Join,
		"budget":       func(b wallet.Budget, resident bool) BudgetView { return BudgetView{B: b, Resident: resident} },
		"deref":        func(c *wallet.Cents) wallet.Cents { return *c },
		"missing":      func(m []wallet.MissingCost) string { return MissingText(lang, m) },
		"expkind":      func(k wallet.ExpenseKind) string { return T(lang, "exp."+string(k)) },
		"period":       func(p wallet.Period) string { return T(lang, "per."+string(p)) },
		"household":    func(h wallet.Household) string { return HouseholdText(lang, h) },
		"add":          func(a, b int) int { return a + b },
		"tel":          Tel,
		"importreason": func(code string) string { return ImportReason(lang, code) },
		"plural": func(key string, n int) string {
			if n == 1 {
				return T(lang, key+".one")
			}
			return T(lang, key+".n", n)
		},
		"host": Host,
		"dict": func(kv ...any) map[string]any {
			m := make(map[string]any, len(kv)/2)
			for i := 0; i+1 < len(kv); i += 2 {
				m[fmt.Sprint(kv[i])] = kv[i+1]
			}
			return m
		},
	}
}

// FlagText is the plain next step for a flag.
func FlagText(lang string, f wallet.Flag) string {
	key := "flag." + string(f.Code)
	if c := f.Crisis; f.Code == wallet.FlagCrisis && c != nil {
		return T(lang, key+"."+string(c.State), f.Name, LongDate(lang, c.Date.Time()))
	}
	if f.Code == wallet.FlagPriorityArrears {
		if _, ok := word(lang, key+"."+string(f.Category)); ok {
			key += "." + string(f.Category)
		}
	}
	return T(lang, key, f.Name)
}

// Tel turns a validated phone number into a tel: link; the trust list only
// holds digits, spaces, '+', '-', '(' and ')', so what remains is safe.
func Tel(phone string) template.URL {
	var b strings.Builder
	phone = strings.ReplaceAll(phone, "(0)", "")
	for i, r := range phone {
		if r >= '0' && r <= '9' || r == '+' && i == 0 {
			b.WriteRune(r)
		}
	}
	return template.URL("tel:" + b.String())
}

// Host is a website address as a resident reads it: www.cjib.nl/contact
// rather than https://www.cjib.nl/contact.
func Host(website string) string {
	return strings.TrimSuffix(strings.TrimPrefix(website, "https://"), "/")
}

// KeptForm is a form the resident sent after the session had ended, kept
// so that its page can show it filled in again: she checks it and sends it
// once more, with a fresh token. Nil when there is none.
type KeptForm map[string][]string

// Value is the first value sent for name, or "".
func (f KeptForm) Value(name string) string {
	if vs := f[name]; len(vs) > 0 {
		return vs[0]
	}
	return ""
}

// Chose reports whether value was among those sent for name: a ticked box,
// a chosen radio button or option.
func (f KeptForm) Chose(name, value string) bool {
	return slices.Contains(f[name], value)
}
