//go:build ignore

// icons_gen draws the home-screen icons of the web app manifest: a blue
// "R" on a white disc on Regie's brand blue, the same mark as the page
// header's logo. Run `go generate ./web` after changing it; the PNGs are
// committed so that the build needs nothing but Go.
package main

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"log"
	"math"
	"os"
)

var (
	brand = color.NRGBA{0x0b, 0x4f, 0x8a, 0xff} // --brand in regie.css
	ink   = color.NRGBA{0xff, 0xff, 0xff, 0xff} // --brand-ink
)

func main() {
	for _, size := range []int{192, 512} {
		if err := write(fmt.Sprintf("static/icon-%d.png", size), draw(size)); err != nil {
			log.Fatal(err)
		}
	}
}

func write(path string, img image.Image) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// inR reports whether the point (x, y), in units of the icon's width with
// the origin top left, lies on the letter R. The full-bleed background
// keeps the letter inside the safe zone of a maskable icon.
func inR(x, y float64) bool {
	const (
		left, top, bottom = 0.34, 0.26, 0.74
		stroke            = 0.085
		bowlY             = 0.375 // centre of the bowl
		bowlR             = 0.115 // radius of the bowl's centre line
		bowlX             = 0.5   // where the bowl's straight parts end
	)
	// The stem.
	if x >= left && x <= left+stroke && y >= top && y <= bottom {
		return true
	}
	// The bowl: two bars and a half ring.
	if x >= left && x <= bowlX {
		if math.Abs(y-(bowlY-bowlR)) <= stroke/2 || math.Abs(y-(bowlY+bowlR)) <= stroke/2 {
			return true
		}
	}
	if x > bowlX {
		d := math.Hypot(x-bowlX, y-bowlY)
		if math.Abs(d-bowlR) <= stroke/2 {
			return true
		}
	}
	// The leg: a thick line from the bowl's foot to the bottom right.
	x0, y0, x1, y1 := 0.47, bowlY+bowlR, 0.66, bottom
	dx, dy := x1-x0, y1-y0
	t := ((x-x0)*dx + (y-y0)*dy) / (dx*dx + dy*dy)
	if t >= 0 && t <= 1 && math.Hypot(x-(x0+t*dx), y-(y0+t*dy)) <= stroke/2 {
		return true
	}
	return false
}

// draw renders the icon at size × size with 4 × 4 samples per pixel.
func draw(size int) image.Image {
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	const n = 4
	for py := 0; py < size; py++ {
		for px := 0; px < size; px++ {
			hits := 0
			for sy := 0; sy < n; sy++ {
				for sx := 0; sx < n; sx++ {
					x := (float64(px) + (float64(sx)+0.5)/n) / float64(size)
					y := (float64(py) + (float64(sy)+0.5)/n) / float64(size)
					d := math.Hypot(x-0.5, y-0.5)
					if d <= 0.4 && !inR(x, y) {
						hits++
					}
				}
			}
			a := float64(hits) / (n * n)
			mix := func(b, i uint8) uint8 { return uint8(math.Round(float64(b)*(1-a) + float64(i)*a)) }
			img.SetNRGBA(px, py, color.NRGBA{mix(brand.R, ink.R), mix(brand.G, ink.G), mix(brand.B, ink.B), 0xff})
		}
	}
	return img
}
