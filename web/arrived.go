package web

import "strings"

// ArrivedText says in plain words what came in while the resident was
// away: how many statements were added and from which organisations (by
// name), how many were refused and why, and which organisations (by name)
// sent statements about someone else. It is one sentence each, none when
// nothing arrived.
func ArrivedText(lang string, added int, from []string, refused int, reasons []string, refusedFrom []string) []string {
	var out []string
	if added > 0 {
		key := "arr.added.n"
		if added == 1 {
			key = "arr.added.one"
		}
		if len(from) == 0 {
			out = append(out, T(lang, key+".nofrom", added))
		} else {
			out = append(out, T(lang, key, added, JoinAnd(lang, from)))
		}
	}
	if refused > 0 {
		why := make([]string, 0, len(reasons))
		for _, r := range reasons {
			why = append(why, ImportReason(lang, r))
		}
		if len(why) == 0 {
			why = append(why, ImportReason(lang, "other"))
		}
		key := "arr.refused.n"
		if refused == 1 {
			key = "arr.refused.one"
		}
		out = append(out, T(lang, key, refused, strings.Join(why, "; ")))
		if len(refusedFrom) > 0 {
			out = append(out, T(lang, "arr.refused.from", JoinAnd(lang, refusedFrom)))
		}
		out = append(out, T(lang, "arr.refused.safe"))
	}
	return out
}

// JoinAnd lists names the way a sentence does: "A", "A en B", "A, B en C".
func JoinAnd(lang string, names []string) string {
	and := " " + T(lang, "word.and") + " "
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + and + names[len(names)-1]
}
