package escpos

import "fmt"

// LogoKey names a logo stored in the printer's non-volatile memory (NV
// graphics, GS ( L): two key codes, each a printable ASCII byte (32–126).
type LogoKey [2]byte

func (k LogoKey) Valid() bool { return k[0] >= 32 && k[0] <= 126 && k[1] >= 32 && k[1] <= 126 }

func (k LogoKey) String() string { return string(k[:]) }

// ParseLogoKey reads a two-character key such as "LG".
func ParseLogoKey(s string) (LogoKey, error) {
	if len(s) != 2 {
		return LogoKey{}, fmt.Errorf("escpos: logo key %q: want 2 characters", s)
	}
	k := LogoKey{s[0], s[1]}
	if !k.Valid() {
		return LogoKey{}, fmt.Errorf("escpos: logo key %q: characters must be printable ASCII", s)
	}
	return k, nil
}

// Limits of NV graphics (GS ( L function 67) as Epson documents them.
const (
	MaxLogoWidth  = 8192
	MaxLogoHeight = 2304
)

// AppendDefineLogo appends GS ( L function 67: store r in NV memory under
// key (raster format, one colour). A logo whose data does not fit GS ( L's
// two length bytes goes as GS 8 L. NV memory wears out: define a logo once
// (when it changes), not before every receipt.
func AppendDefineLogo(b []byte, key LogoKey, r *Raster) ([]byte, error) {
	if !key.Valid() {
		return b, fmt.Errorf("escpos: logo key %q: characters must be printable ASCII", key[:])
	}
	if err := r.check(); err != nil {
		return b, err
	}
	if r.Width > MaxLogoWidth || r.Height > MaxLogoHeight {
		return b, fmt.Errorf("escpos: logo %dx%d exceeds %dx%d", r.Width, r.Height, MaxLogoWidth, MaxLogoHeight)
	}
	// m fn a kc1 kc2 b xL xH yL yH c, then the data.
	b = appendGraphicsHeader(b, 11+len(r.Bits))
	b = append(b, 48, 67, 48, key[0], key[1], 1,
		byte(r.Width), byte(r.Width>>8), byte(r.Height), byte(r.Height>>8), 49)
	return append(b, r.Bits...), nil
}

// AppendPrintLogo appends GS ( L function 69: print the NV logo key at
// normal size (11 bytes, however large the logo).
func AppendPrintLogo(b []byte, key LogoKey) ([]byte, error) {
	if !key.Valid() {
		return b, fmt.Errorf("escpos: logo key %q: characters must be printable ASCII", key[:])
	}
	return append(b, GS, '(', 'L', 6, 0, 48, 69, key[0], key[1], 1, 1), nil
}

// AppendDeleteLogo appends GS ( L function 66: delete the NV logo key.
func AppendDeleteLogo(b []byte, key LogoKey) ([]byte, error) {
	if !key.Valid() {
		return b, fmt.Errorf("escpos: logo key %q: characters must be printable ASCII", key[:])
	}
	return append(b, GS, '(', 'L', 4, 0, 48, 66, key[0], key[1]), nil
}

// Limits of FS q, in dots.
const (
	maxLegacyLogoWidth  = 1023 * 8
	maxLegacyLogoHeight = 288 * 8
)

// AppendLegacyDefineLogo appends FS q 1: define r as the only NV bit image,
// for printers older than GS ( L. FS q counts in blocks of 8 dots both ways
// and takes the data in columns (each column top to bottom, MSB on top), so
// r is padded with white to multiples of 8. FS q replaces every NV bit image
// and makes the printer busy while it writes.
func AppendLegacyDefineLogo(b []byte, r *Raster) ([]byte, error) {
	if err := r.check(); err != nil {
		return b, err
	}
	if r.Width > maxLegacyLogoWidth || r.Height > maxLegacyLogoHeight {
		return b, fmt.Errorf("escpos: legacy logo %dx%d exceeds %dx%d", r.Width, r.Height, maxLegacyLogoWidth, maxLegacyLogoHeight)
	}
	xb := (r.Width + 7) / 8  // horizontal blocks of 8 dots
	yb := (r.Height + 7) / 8 // vertical bytes per column
	b = append(b, FS, 'q', 1, byte(xb), byte(xb>>8), byte(yb), byte(yb>>8))
	for x := 0; x < xb*8; x++ {
		for yy := 0; yy < yb; yy++ {
			var v byte
			for bit := 0; bit < 8; bit++ {
				if r.Black(x, yy*8+bit) {
					v |= 0x80 >> bit
				}
			}
			b = append(b, v)
		}
	}
	return b, nil
}

// AppendLegacyPrintLogo appends FS p n 0: print NV bit image n (1–255) at
// normal size.
func AppendLegacyPrintLogo(b []byte, n uint8) ([]byte, error) {
	if n == 0 {
		return b, fmt.Errorf("escpos: NV bit image number 0 out of range 1..255")
	}
	return append(b, FS, 'p', n, 0), nil
}
