package httpapi

import (
	"bytes"
	"fmt"

	"github.com/boombuler/barcode/qr"
)

// quietZone is the blank margin, in modules, that scanners need around a code.
const quietZone = 4

// qrSVG draws a QR code as one SVG path of unit squares, so it stays sharp at
// any size, from a phone to a projector.
func qrSVG(content string) ([]byte, error) {
	code, err := qr.Encode(content, qr.M, qr.Auto)
	if err != nil {
		return nil, fmt.Errorf("encode QR code: %w", err)
	}
	size := code.Bounds().Dx()
	total := size + 2*quietZone
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" shape-rendering="crispEdges" role="img" aria-label="QR code to join">`, total, total)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="`, total, total)
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			if r, _, _, _ := code.At(x, y).RGBA(); r == 0 {
				fmt.Fprintf(&b, "M%d %dh1v1h-1z", x+quietZone, y+quietZone)
			}
		}
	}
	b.WriteString(`"/></svg>`)
	return b.Bytes(), nil
}
