package httpx

import "unicode"

// LocalPath returns next when it is a path on this server, else "/". Only a
// path that starts with one "/" followed by neither "/" nor "\\", with no
// spaces or control characters anywhere, is safe: browsers drop tabs and
// newlines and read "\\" as "/", which would turn "/\t/evil.example" into a
// link to another site.
func LocalPath(next string) string {
	if len(next) < 2 {
		return "/"
	}
	if next[0] != '/' || next[1] == '/' || next[1] == '\\' {
		return "/"
	}
	for _, r := range next {
		if r <= ' ' || r == 0x7f || unicode.IsControl(r) || unicode.IsSpace(r) {
			return "/"
		}
	}
	return next
}
