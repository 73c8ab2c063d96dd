package escpos

import "image"

// Image prints img (see Encoder.AppendImage).
func (w *Writer) Image(img image.Image, opt ImageOptions) {
	if w.err == nil {
		w.step(w.enc.AppendImage(w.buf, img, opt))
	}
}

// Raster prints r aligned by j (see Encoder.AppendRaster).
func (w *Writer) Raster(r *Raster, j Justification) {
	if w.err == nil {
		w.step(w.enc.AppendRaster(w.buf, r, j))
	}
}

// QR prints q aligned by j and returns how it fell back, if it did (the zero
// CodeFallback after an error, including an earlier one).
func (w *Writer) QR(q QR, j Justification) CodeFallback {
	if w.err != nil {
		return CodeFallback{}
	}
	b, fb, err := w.enc.AppendQR(w.buf, q, j)
	w.step(b, err)
	return fb
}

// Barcode prints bc aligned by j and returns how it fell back, if it did.
func (w *Writer) Barcode(bc Barcode, j Justification) CodeFallback {
	if w.err != nil {
		return CodeFallback{}
	}
	b, fb, err := w.enc.AppendBarcode(w.buf, bc, j)
	w.step(b, err)
	return fb
}

// Logo prints the stored logo key aligned by j.
func (w *Writer) Logo(key LogoKey, j Justification) {
	if w.err == nil {
		w.step(w.enc.AppendLogo(w.buf, key, j))
	}
}

// Drawer kicks the cash drawer on pin (see Encoder.AppendDrawer).
func (w *Writer) Drawer(pin Drawer) {
	if w.err == nil {
		w.step(w.enc.AppendDrawer(w.buf, pin))
	}
}
