package web

import (
	"bytes"
	"encoding/base64"
	"image/png"
	"strings"
	"testing"
)

// A QR code is a square PNG data URI; text too long for any QR code
// gives no image instead of a broken one.
func TestQRDataURI(t *testing.T) {
	u := string(QRDataURI("https://wuye.example.com/p/statements/abc"))
	const prefix = "data:image/png;base64,"
	if !strings.HasPrefix(u, prefix) {
		t.Fatalf("got %.40q", u)
	}
	b, err := base64.StdEncoding.DecodeString(u[len(prefix):])
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if r := img.Bounds(); r.Dx() != 256 || r.Dy() != 256 {
		t.Errorf("size %v", r)
	}
	if QRDataURI(strings.Repeat("长", 3000)) != "" {
		t.Error("an impossible QR code gave an image")
	}
}
