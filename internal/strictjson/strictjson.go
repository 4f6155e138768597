// Package strictjson decodes JSON that must mean exactly one thing.
// encoding/json keeps the last of two members with the same name and
// matches member names to struct fields without regard to case, so
// {"sub":"a","sub":"b"} or {"SUB":"b"} can read one way here and another way
// in the parser of whoever signed or sent it. Regie reads every signed
// payload, token and request body through Decode, which refuses both, and
// unknown members and trailing data too.
package strictjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Errors Decode returns (wrapped), for callers that tell them apart.
var (
	ErrDuplicate = errors.New("a member name appears twice in one object (ignoring case)")
	ErrName      = errors.New("unknown member name, or a known one in another case")
	ErrTrailing  = errors.New("trailing data after the JSON document")
	ErrDepth     = errors.New("the JSON document is nested too deeply")
)

// maxDepth bounds nesting; no Regie document comes near it.
const maxDepth = 64

// Decode decodes raw into dst (a pointer) like encoding/json with unknown
// fields disallowed, after checking that no object names a member twice
// (compared as encoding/json compares them, ignoring case) and that every
// member of an object decoded into a struct names a field exactly.
func Decode(raw []byte, dst any) error {
	sc := scanner{data: raw, fields: map[reflect.Type]map[string]reflect.Type{}}
	if err := sc.value(reflect.TypeOf(dst), 0); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return ErrTrailing
	}
	return nil
}

var unmarshaler = reflect.TypeFor[json.Unmarshaler]()

// shape is t without pointers, or nil where encoding/json hands the value
// to the type's own UnmarshalJSON or to an interface: there only duplicate
// names are checked.
func shape(t reflect.Type) reflect.Type {
	for t != nil {
		if t.Implements(unmarshaler) || reflect.PointerTo(t).Implements(unmarshaler) {
			return nil
		}
		switch t.Kind() {
		case reflect.Pointer:
			t = t.Elem()
		case reflect.Interface:
			return nil
		default:
			return t
		}
	}
	return nil
}

// errSyntax stops the name check; encoding/json then says what is wrong.
var errSyntax = errors.New("not valid JSON")

// scanner walks a JSON document checking member names against the Go type
// each value is decoded into. It only finds structure; encoding/json
// validates everything else afterwards.
type scanner struct {
	data   []byte
	pos    int
	fields map[reflect.Type]map[string]reflect.Type
}

func (s *scanner) space() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

func (s *scanner) value(t reflect.Type, depth int) error {
	s.space()
	if s.pos >= len(s.data) {
		return errSyntax
	}
	switch s.data[s.pos] {
	case '{', '[':
		if depth >= maxDepth {
			return ErrDepth
		}
		if s.data[s.pos] == '{' {
			return s.object(shape(t), depth)
		}
		return s.array(shape(t), depth)
	case '"':
		_, err := s.str()
		return err
	}
	for s.pos < len(s.data) { // a number or a literal
		switch s.data[s.pos] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return nil
		}
		s.pos++
	}
	return nil
}

func (s *scanner) array(t reflect.Type, depth int) error {
	var elem reflect.Type
	if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
		elem = t.Elem()
	}
	if s.empty(']') {
		return nil
	}
	for {
		if err := s.value(elem, depth+1); err != nil {
			return err
		}
		if done, err := s.separator(']'); done || err != nil {
			return err
		}
	}
}

// empty steps over the opening bracket and reports whether close follows
// at once (stepping over it too).
func (s *scanner) empty(close byte) bool {
	s.pos++
	s.space()
	if s.pos < len(s.data) && s.data[s.pos] == close {
		s.pos++
		return true
	}
	return false
}

// separator reads what follows a member or element: a comma (more to come)
// or close (done).
func (s *scanner) separator(close byte) (done bool, err error) {
	s.space()
	if s.pos >= len(s.data) {
		return false, errSyntax
	}
	s.pos++
	switch s.data[s.pos-1] {
	case ',':
		return false, nil
	case close:
		return true, nil
	}
	return false, errSyntax
}

func (s *scanner) object(t reflect.Type, depth int) error {
	var fields map[string]reflect.Type
	var elem reflect.Type
	if t != nil && t.Kind() == reflect.Struct {
		if fields = s.fields[t]; fields == nil {
			fields = fieldsOf(t)
			s.fields[t] = fields
		}
	} else if t != nil && t.Kind() == reflect.Map {
		elem = t.Elem()
	}
	if s.empty('}') {
		return nil
	}
	seen := map[string]string{}
	for {
		s.space()
		if s.pos >= len(s.data) || s.data[s.pos] != '"' {
			return errSyntax
		}
		name, err := s.str()
		if err != nil {
			return err
		}
		f := fold(name)
		if prev, dup := seen[f]; dup {
			return fmt.Errorf("%w: %q and %q", ErrDuplicate, prev, name)
		}
		seen[f] = name
		next := elem
		if fields != nil {
			ft, ok := fields[name]
			if !ok {
				return fmt.Errorf("%w: %q", ErrName, name)
			}
			next = ft
		}
		s.space()
		if s.pos >= len(s.data) || s.data[s.pos] != ':' {
			return errSyntax
		}
		s.pos++
		if err := s.value(next, depth+1); err != nil {
			return err
		}
		if done, err := s.separator('}'); done || err != nil {
			return err
		}
	}
}

// str reads a string at s.pos and returns its value as encoding/json would.
func (s *scanner) str() (string, error) {
	start := s.pos
	s.pos++ // "
	escaped := false
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case '\\':
			escaped = true
			s.pos += 2
			continue
		case '"':
			s.pos++
			raw := s.data[start:s.pos]
			if !escaped {
				return string(raw[1 : len(raw)-1]), nil
			}
			var v string
			if json.Unmarshal(raw, &v) != nil {
				return "", errSyntax
			}
			return v, nil
		}
		s.pos++
	}
	return "", errSyntax
}

// fieldsOf maps the exact JSON names of t's fields, promoted ones from
// embedded structs included (a shallower field wins), to their types.
func fieldsOf(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	var embedded []reflect.Type
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				embedded = append(embedded, ft)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	for _, e := range embedded {
		for name, ft := range fieldsOf(e) {
			if _, ok := out[name]; !ok {
				out[name] = ft
			}
		}
	}
	return out
}

// fold maps every rune to the smallest rune of its Unicode simple-fold
// orbit, so that fold(a) == fold(b) exactly when strings.EqualFold(a, b),
// which is how encoding/json matches names ("ſub" matches "sub").
func fold(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		ascii = ascii && s[i] < utf8.RuneSelf
	}
	if ascii { // an ASCII letter's orbit starts with its upper case
		return strings.ToUpper(s)
	}
	var b strings.Builder
	for _, r := range s {
		m := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			m = min(m, f)
		}
		b.WriteRune(m)
	}
	return b.String()
}
