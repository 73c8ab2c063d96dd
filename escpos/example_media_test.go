package escpos_test

import (
	"bytes"
	"fmt"
	"image"

	"github.com/secuprint/receipt/escpos"
)

func ExampleAppendQR() {
	b, err := escpos.AppendQR(nil, escpos.QR{Data: "ABC", Module: 4, Level: escpos.QRLevelM})
	if err != nil {
		panic(err)
	}
	fmt.Printf("% x\n", b)
	// Output: 1d 28 6b 04 00 31 41 32 00 1d 28 6b 03 00 31 43 04 1d 28 6b 03 00 31 45 31 1d 28 6b 06 00 31 50 30 41 42 43 1d 28 6b 03 00 31 51 30
}

func ExampleAppendBarcode() {
	// 12 digits: the printer gets the EAN-13 with its check digit.
	b, err := escpos.AppendBarcode(nil, escpos.Barcode{Symbology: escpos.EAN13, Data: "400638133393", HRI: escpos.HRIBelow})
	if err != nil {
		panic(err)
	}
	fmt.Printf("%q\n", b)
	// A wrong check digit is an error, never printed.
	_, err = escpos.AppendBarcode(nil, escpos.Barcode{Symbology: escpos.EAN13, Data: "4999012345678"})
	fmt.Println(err)
	// Output:
	// "\x1dhP\x1dw\x02\x1dH\x02\x1df\x00\x1dkC\r4006381333931"
	// escpos: ean13: check digit of 499901234567 is 3, got 8
}

func ExampleEncoder_AppendQR() {
	// A profile without native QR codes gets a drawn one, and says so.
	p := &escpos.Profile{ID: "TM-T20-clone", WidthDots: 576, Features: escpos.Features{BitImageRaster: true}}
	e, err := escpos.NewEncoder(p)
	if err != nil {
		panic(err)
	}
	b, fb, err := e.AppendQR(nil, escpos.QR{Data: "https://example.com", Module: 4}, escpos.JustifyCenter)
	if err != nil {
		panic(err)
	}
	fmt.Println(len(b), "bytes;", fb.Raster, fb.Why)
	// Output: 2263 bytes; true profile TM-T20-clone has no native QR Code
}

func ExampleWriter_Image() {
	p := &escpos.Profile{ID: "TM-T88V", WidthDots: 512, Features: escpos.Features{BitImageRaster: true}}
	var out bytes.Buffer
	w, err := escpos.NewWriter(&out, p)
	if err != nil {
		panic(err)
	}
	logo := image.NewGray(image.Rect(0, 0, 1024, 64)) // black, twice the head: printed 512×32
	w.Init()
	w.Image(logo, escpos.ImageOptions{Justify: escpos.JustifyCenter})
	if err := w.Flush(); err != nil {
		panic(err)
	}
	fmt.Printf("% x ... (%d bytes)\n", out.Bytes()[:13], out.Len())
	// Output: 1b 40 1b 61 01 1d 76 30 00 40 00 20 00 ... (2061 bytes)
}
