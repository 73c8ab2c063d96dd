package escpos

// Checks that another command language (package escpos/star) needs to make
// the same promises as this one's encoder: what ESC/POS refuses, it refuses.

// Validate checks q and returns its module size in dots and its symbol
// version.
func (q QR) Validate() (module, version int, err error) { return q.check() }

// QRSideModules is the width in modules of a symbol of the given version,
// quiet zone included.
func QRSideModules(version int) int { return qrSide(version) }

// Validate checks bc as AppendBarcode would: symbology, data, module width
// and HRI.
func (bc Barcode) Validate() error {
	_, err := bc.payload()
	return err
}

// ModuleDots is the narrow bar width in dots (Module, 0 meaning 2).
func (bc Barcode) ModuleDots() int {
	m, err := bc.module()
	if err != nil {
		return 0
	}
	return m
}

// Validate checks that r's fields agree with each other.
func (r *Raster) Validate() error { return r.check() }
