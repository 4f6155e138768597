package api

import (
	"encoding/base64"
	"errors"
	"io"
	"strings"

	"github.com/gofiber/fiber/v2"

	"regie/trust"
	"regie/web"
)

// maxTrustEntry is the largest trust-list entry the pages read: eight keys
// and contact details fit in far less.
const maxTrustEntry = 64 << 10

// trustPreview is a trust-list entry shown before the resident accepts it:
// who it is and the fingerprint of its keys, to compare with what the
// organisation says on paper or by phone.
type trustPreview struct {
	Org          trust.Organisation
	Fingerprints []string
	// Replaces is set when an entry with this id is already in the list;
	// OldFingerprints are its keys, so a change of keys is seen.
	Replaces        bool
	OldFingerprints []string
	// Entry is the entry as sent, base64url, for the confirm form.
	Entry string
}

// fingerprints are the SHA-256 thumbprints of an organisation's signing
// keys in groups of four characters, for reading aloud and comparing.
func fingerprints(o trust.Organisation) []string {
	var out []string
	for _, k := range o.Keys {
		tp, err := trust.Thumbprint(k)
		if err != nil {
			continue
		}
		var groups []string
		for len(tp) > 4 {
			groups = append(groups, tp[:4])
			tp = tp[4:]
		}
		out = append(out, strings.Join(append(groups, tp), " "))
	}
	return out
}

// trustUpload reads one trust-list entry from a file and shows it with its
// fingerprint; nothing is added until the resident confirms.
func (s *Server) trustUpload(c *fiber.Ctx, p page) error {
	r := residentOf(c)
	fh, err := c.FormFile("entry")
	if err != nil {
		return s.sourcesError(c, p, web.T(p.lang, "trust.err.file"))
	}
	f, err := fh.Open()
	if err != nil {
		return s.sourcesError(c, p, web.T(p.lang, "trust.err.file"))
	}
	raw, err := io.ReadAll(io.LimitReader(f, maxTrustEntry+1))
	f.Close()
	if err != nil || len(raw) > maxTrustEntry {
		return s.sourcesError(c, p, web.T(p.lang, "trust.err.entry"))
	}
	o, err := trust.ParseOrganisation(raw)
	if err != nil {
		return s.sourcesError(c, p, web.T(p.lang, "trust.err.entry"))
	}
	tl, err := r.Trust.Load(c.UserContext())
	if err != nil {
		return err
	}
	d := trustPreview{Org: o, Fingerprints: fingerprints(o), Entry: base64.RawURLEncoding.EncodeToString(raw)}
	if old, ok := tl.Organisation(o.ID); ok {
		d.Replaces, d.OldFingerprints = true, fingerprints(*old)
	}
	pg := s.base(c, p, "trust.preview.title", "sources")
	pg.Data = d
	return s.render(c, fiber.StatusOK, "trust-preview", pg)
}

// trustConfirm adds the entry the resident saw and accepted.
func (s *Server) trustConfirm(c *fiber.Ctx, p page) error {
	r := residentOf(c)
	raw, err := base64.RawURLEncoding.DecodeString(c.FormValue("entry"))
	if err != nil || len(raw) > maxTrustEntry {
		return s.sourcesError(c, p, web.T(p.lang, "trust.err.entry"))
	}
	o, err := trust.ParseOrganisation(raw)
	if err != nil {
		return s.sourcesError(c, p, web.T(p.lang, "trust.err.entry"))
	}
	if err := r.Trust.Add(c.UserContext(), o); err != nil {
		if errors.Is(err, trust.ErrList) {
			return s.sourcesError(c, p, web.T(p.lang, "trust.err.entry"))
		}
		return err
	}
	d, _, err := s.sourcesData(c)
	if err != nil {
		return err
	}
	pg := s.base(c, p, "src.title", "sources")
	pg.Data, pg.Flash = d, web.T(p.lang, "trust.added", o.Name)
	return s.render(c, fiber.StatusOK, "sources", pg)
}

// sourcesError shows the sources page with a plain error and status 400.
func (s *Server) sourcesError(c *fiber.Ctx, p page, msg string) error {
	d, _, err := s.sourcesData(c)
	if err != nil {
		return err
	}
	pg := s.base(c, p, "src.title", "sources")
	pg.Data, pg.Error = d, msg
	return s.render(c, fiber.StatusBadRequest, "sources", pg)
}
