package web

//go:generate go run icons_gen.go

import "encoding/json"

// ManifestPath is where a wallet or host serves the web app manifest, so
// that a resident can add Regie to a phone's home screen. There is no
// service worker: nothing of a resident's data is ever cached on the phone.
const ManifestPath = "/manifest.webmanifest"

// ManifestType is the manifest's media type.
const ManifestType = "application/manifest+json"

// ManifestIcon is one home-screen icon; the PNGs are in Static().
type ManifestIcon struct {
	Src     string `json:"src"`
	Sizes   string `json:"sizes"`
	Type    string `json:"type"`
	Purpose string `json:"purpose"`
}

// WebManifest is the web app manifest (W3C Web Application Manifest).
type WebManifest struct {
	Name            string         `json:"name"`
	ShortName       string         `json:"short_name"`
	Description     string         `json:"description"`
	Lang            string         `json:"lang"`
	Dir             string         `json:"dir"`
	StartURL        string         `json:"start_url"`
	Scope           string         `json:"scope"`
	Display         string         `json:"display"`
	ThemeColor      string         `json:"theme_color"`
	BackgroundColor string         `json:"background_color"`
	Icons           []ManifestIcon `json:"icons"`
}

// ThemeColor is --brand in regie.css: the header's colour, which the
// phone's status bar takes on.
const ThemeColor = "#0b4f8a"

// Manifest is the manifest's JSON, the same for every wallet and host: it
// names only the app, never a resident.
func Manifest() []byte {
	m := WebManifest{
		Name: "Regie", ShortName: "Regie", Lang: "nl", Dir: "ltr",
		Description: "Uw geldzaken op één plek, en u bepaalt wie ze ziet.",
		StartURL:    "/", Scope: "/", Display: "standalone",
		ThemeColor: ThemeColor, BackgroundColor: "#f3f4f6", // --soft, the page background
		Icons: []ManifestIcon{
			{Src: "/static/icon-192.png", Sizes: "192x192", Type: "image/png", Purpose: "any"},
			{Src: "/static/icon-512.png", Sizes: "512x512", Type: "image/png", Purpose: "any"},
		},
	}
	b, _ := json.Marshal(m) // a struct of strings always marshals
	return b
}
