package web

import (
	"encoding/base64"
	"html/template"

	qrcode "github.com/skip2/go-qrcode"
)

func init() { Funcs["qr"] = QRDataURI }

// QRDataURI is text as a QR code: a PNG data: URI for an <img> (the CSP
// allows data: images), so printed passes and notices carry a code that
// a phone or a desk scanner reads back. Medium error correction survives
// a crease or a smudge on paper. Text that cannot be encoded (too long)
// gives "", and the template shows no image.
func QRDataURI(text string) template.URL {
	png, err := qrcode.Encode(text, qrcode.Medium, 256)
	if err != nil {
		return ""
	}
	return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png))
}
