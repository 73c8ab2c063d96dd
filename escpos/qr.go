package escpos

import (
	"fmt"

	"rsc.io/qr/coding"
)

// QRLevel is a QR Code error correction level: L, M, Q or H recover 7, 15,
// 25 and 30% of damaged modules.
type QRLevel uint8

const (
	QRLevelL QRLevel = iota
	QRLevelM
	QRLevelQ
	QRLevelH
)

func (l QRLevel) Valid() bool { return l <= QRLevelH }

func (l QRLevel) String() string {
	if l.Valid() {
		return string("LMQH"[l])
	}
	return fmt.Sprintf("QRLevel(%d)", uint8(l))
}

// ParseQRLevel reads "L", "M", "Q" or "H".
func ParseQRLevel(s string) (QRLevel, error) {
	switch s {
	case "L", "l":
		return QRLevelL, nil
	case "M", "m":
		return QRLevelM, nil
	case "Q", "q":
		return QRLevelQ, nil
	case "H", "h":
		return QRLevelH, nil
	}
	return 0, fmt.Errorf("escpos: unknown QR level %q (want L, M, Q or H)", s)
}

// QR is a QR Code symbol (model 2).
type QR struct {
	Data   string // bytes as given; scanners read UTF-8
	Module uint8  // dots per module, 1–16; 0 means QRDefaultModule
	Level  QRLevel
}

// QRDefaultModule is the module size of a QR with Module 0 (Epson's default).
const QRDefaultModule = 3

// QRQuietZone is the white margin, in modules, NewQRRaster draws around the
// symbol (the standard's minimum). A native QR has none of its own: the
// encoders feed it along the paper (AppendQuietZone).
const QRQuietZone = 4

func (q QR) module() (int, error) {
	switch {
	case q.Module == 0:
		return QRDefaultModule, nil
	case q.Module > 16:
		return 0, fmt.Errorf("escpos: qr: module size %d out of range 1..16", q.Module)
	}
	return int(q.Module), nil
}

// check validates q and returns its module size and symbol version.
// Capacity is judged with single-mode encoding (numeric, alphanumeric or
// bytes, as rsc.io/qr and most printers choose); it is what NewQRRaster
// can draw too, and a printer mixing modes needs at most that version.
func (q QR) check() (module int, version int, err error) {
	m, _, v, err := q.plan()
	return m, int(v), err
}

// plan is check, with the data encoding it chose.
func (q QR) plan() (module int, enc coding.Encoding, version coding.Version, err error) {
	m, err := q.module()
	if err != nil {
		return 0, nil, 0, err
	}
	if !q.Level.Valid() {
		return 0, nil, 0, fmt.Errorf("escpos: qr: %v out of range", q.Level)
	}
	if q.Data == "" {
		return 0, nil, 0, fmt.Errorf("escpos: qr: no data")
	}
	switch {
	case coding.Num(q.Data).Check() == nil:
		enc = coding.Num(q.Data)
	case coding.Alpha(q.Data).Check() == nil:
		enc = coding.Alpha(q.Data)
	default:
		enc = coding.String(q.Data)
	}
	for v := coding.Version(coding.MinVersion); v <= coding.MaxVersion; v++ {
		if enc.Bits(v) <= v.DataBytes(coding.Level(q.Level))*8 {
			return m, enc, v, nil
		}
	}
	return 0, nil, 0, fmt.Errorf("escpos: qr: %d bytes of data exceed the capacity of version 40 at level %v", len(q.Data), q.Level)
}

// qrSide is the width in modules of a version's symbol with its quiet zone.
func qrSide(version int) int { return 17 + 4*version + 2*QRQuietZone }

// AppendQR appends the GS ( k sequence that prints q natively: select model
// 2 (function 165), module size (167), error correction (169), store the
// data (180) and print it (181).
func AppendQR(b []byte, q QR) ([]byte, error) {
	m, _, err := q.check()
	if err != nil {
		return b, err
	}
	b = append(b, GS, '(', 'k', 4, 0, 49, 65, 50, 0)
	b = append(b, GS, '(', 'k', 3, 0, 49, 67, byte(m))
	b = append(b, GS, '(', 'k', 3, 0, 49, 69, 48+byte(q.Level))
	n := len(q.Data) + 3 // cn fn m, then the data
	b = append(b, GS, '(', 'k', byte(n), byte(n>>8), 49, 80, 48)
	b = append(b, q.Data...)
	return append(b, GS, '(', 'k', 3, 0, 49, 81, 48), nil
}

// NewQRRaster draws q as a raster at Module dots per module with a quiet
// zone of QRQuietZone modules, for printers without native QR.
func NewQRRaster(q QR) (*Raster, error) {
	m, enc, v, err := q.plan()
	if err != nil {
		return nil, err
	}
	code, err := encodeQR(enc, v, coding.Level(q.Level))
	if err != nil {
		return nil, err
	}
	side := (code.Size + 2*QRQuietZone) * m
	r := newRaster(side, side)
	for y := 0; y < code.Size; y++ {
		for x := 0; x < code.Size; x++ {
			if !code.Black(x, y) {
				continue
			}
			for dy := 0; dy < m; dy++ {
				for dx := 0; dx < m; dx++ {
					r.set((QRQuietZone+x)*m+dx, (QRQuietZone+y)*m+dy)
				}
			}
		}
	}
	return r, nil
}
