package printers

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/secuprint/receipt/transport"
)

// Identity is what a printer said about itself.
type Identity struct {
	// Language is the command language its status answers showed:
	// "escpos", "star", or "" when it answered neither.
	Language string `json:"language,omitempty"`
	Maker    string `json:"maker,omitempty"`
	Model    string `json:"model,omitempty"`
	Serial   string `json:"serial,omitempty"`
	Firmware string `json:"firmware,omitempty"`
	// FontLanguage is GS I 69's answer (e.g. "INTERNATIONAL", a code page).
	FontLanguage string `json:"font_language,omitempty"`
	// ModelID, TypeID, ROMID are GS I 1, 2, 3's bytes, nil when unanswered.
	ModelID *byte `json:"model_id,omitempty"`
	TypeID  *byte `json:"type_id,omitempty"`
	ROMID   *byte `json:"rom_id,omitempty"`
	// Answered and Unanswered list the GS I functions asked.
	Answered   []int `json:"answered,omitempty"`
	Unanswered []int `json:"unanswered,omitempty"`
	// ASBVersion is a Star printer's ASB version (0: not Star).
	ASBVersion int `json:"asb_version,omitempty"`
	// USB is what the bus says, nil for other links.
	USB *USBIdentity `json:"usb,omitempty"`
	// Notes are what went wrong on the way (garbled answers), for the log.
	Notes []string `json:"notes,omitempty"`
}

// USBIdentity is a USB device's descriptor: read without opening the
// printer interface.
type USBIdentity struct {
	VID          uint16 `json:"vid"`
	PID          uint16 `json:"pid"`
	Manufacturer string `json:"manufacturer,omitempty"`
	Product      string `json:"product,omitempty"`
	Serial       string `json:"serial,omitempty"`
}

// Known reports whether the printer (or its bus) named a model.
func (id Identity) Known() bool {
	return id.Model != "" || (id.USB != nil && id.USB.Product != "")
}

// Answered reports whether the printer answered anything at all.
func (id Identity) answeredAny() bool { return id.Language != "" }

// SameUnit reports whether id and o name the same unit: same maker and
// model, and the same serial number where both have one. A serial that
// changed is a swapped printer.
func (id Identity) SameUnit(o Identity) bool {
	return id.Maker == o.Maker && id.Model == o.Model && (id.serial() == "" || o.serial() == "" || id.serial() == o.serial())
}

func (id Identity) serial() string {
	if id.Serial != "" {
		return id.Serial
	}
	if id.USB != nil {
		return id.USB.Serial
	}
	return ""
}

// IdentifyOptions configure Identify.
type IdentifyOptions struct {
	// Timeout bounds each request; zero is 500 ms. GS I is not real-time:
	// a printer at paper end or offline does not answer it.
	Timeout time.Duration
	// USB is the bus's description of the device, when the link is USB.
	USB *USBIdentity
	// Functions are the GS I functions to ask; nil is IdentityFunctions.
	Functions []byte
}

// ErrNoIdentity is wrapped when the printer answered neither language's
// status request: it may be off, offline, write-only, or no printer.
var ErrNoIdentity = errors.New("printers: the printer answered no status or identity request")

// Identify asks the printer on c what it is. It first tells Star from
// ESC/POS by their real-time status requests (DetectStar), then sends only
// that language's identity requests, so nothing prints on the wrong kind
// of printer. An ESC/POS printer that answers only some GS I functions
// gives what it answered; one that answers nothing gives the USB strings,
// if any, and ErrNoIdentity. The whole exchange is bounded by ctx and
// about (2 + functions) × Timeout.
func Identify(ctx context.Context, c transport.Conn, opt IdentifyOptions) (Identity, error) {
	if opt.Timeout <= 0 {
		opt.Timeout = 500 * time.Millisecond
	}
	id := Identity{USB: opt.USB}
	asb, err := detectStar(ctx, c, opt.Timeout)
	switch {
	case errors.Is(err, ErrNoAnswer):
		return id, fmt.Errorf("%w (%w)", ErrNoIdentity, err)
	case err != nil:
		return id, fmt.Errorf("printers: identify: %w", err)
	case asb != nil:
		id.Language, id.ASBVersion = "star", asb.Version
		return id, identifyStar(ctx, c, opt.Timeout, &id)
	}
	id.Language = "escpos"
	fns := opt.Functions
	if fns == nil {
		fns = IdentityFunctions
	}
	err = identifyESCPOS(ctx, c, fns, opt.Timeout, &id)
	if err == nil && len(id.Answered) == 0 {
		id.Notes = append(id.Notes, "no GS I answer: the printer may not know GS I, or be offline or at paper end (GS I is not real-time); ask again later")
	}
	return id, err
}

// identifyESCPOS asks each GS I function in turn. A function the printer
// does not answer costs one timeout; the next request goes only after it,
// so a late answer is not taken for the next one's. Bytes left over from
// the status exchange are dropped first.
func identifyESCPOS(ctx context.Context, c transport.Conn, fns []byte, timeout time.Duration, id *Identity) error {
	var buf []byte
	tmp := make([]byte, 128)
	for _, n := range fns {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := c.SetWriteDeadline(time.Now().Add(timeout)); err != nil {
			return err
		}
		if _, err := c.Write([]byte{0x1D, 'I', n}); err != nil {
			return fmt.Errorf("printers: identify: GS I %d: %w", n, err)
		}
		dl := time.Now().Add(timeout)
		buf = buf[:0]
		for {
			text, b, used, perr := ParseIDAnswer(n, buf)
			if perr == nil {
				id.Answered = append(id.Answered, int(n))
				id.set(n, text, b)
				break
			}
			if !errors.Is(perr, ErrShortAnswer) {
				id.Unanswered = append(id.Unanswered, int(n))
				id.Notes = append(id.Notes, perr.Error())
				drain(c, timeout/4)
				break
			}
			buf = buf[used:]
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := c.SetReadDeadline(dl); err != nil {
				return err
			}
			k, err := c.Read(tmp)
			buf = append(buf, tmp[:k]...)
			if err != nil && k == 0 {
				if errors.Is(err, transport.ErrTimeout) {
					id.Unanswered = append(id.Unanswered, int(n))
					break
				}
				return fmt.Errorf("printers: identify: GS I %d: %w", n, err)
			}
		}
	}
	return nil
}

// drain reads and drops what arrives within d: the rest of a garbled answer.
func drain(c transport.Conn, d time.Duration) {
	tmp := make([]byte, 128)
	dl := time.Now().Add(d)
	for {
		if c.SetReadDeadline(dl) != nil {
			return
		}
		if n, err := c.Read(tmp); err != nil || n == 0 {
			return
		}
	}
}

func (id *Identity) set(n byte, text string, b byte) {
	v := b
	switch n {
	case IDModel, 49:
		id.ModelID = &v
	case IDType, 50:
		id.TypeID = &v
	case IDROM, 51:
		id.ROMID = &v
	case IDFirmware:
		id.Firmware = text
	case IDMaker:
		id.Maker = text
	case IDModelName:
		id.Model = text
	case IDSerial:
		id.Serial = text
	case IDFontLang:
		id.FontLanguage = text
	}
}

// identifyStar sends ESC # * LF NUL and reads the model and version.
func identifyStar(ctx context.Context, c transport.Conn, timeout time.Duration, id *Identity) error {
	if id.Maker == "" {
		id.Maker = "Star Micronics" // the ASB is Star's alone
	}
	if err := c.SetWriteDeadline(time.Now().Add(timeout)); err != nil {
		return err
	}
	if _, err := c.Write(StarVersionRequest); err != nil {
		return fmt.Errorf("printers: identify: ESC # *: %w", err)
	}
	var buf []byte
	tmp := make([]byte, 128)
	dl := time.Now().Add(timeout)
	for {
		model, version, _, err := ParseStarVersion(buf)
		if err == nil {
			id.Model, id.Firmware = model, version
			return nil
		}
		if !errors.Is(err, ErrShortAnswer) {
			id.Notes = append(id.Notes, err.Error())
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := c.SetReadDeadline(dl); err != nil {
			return err
		}
		k, err := c.Read(tmp)
		buf = append(buf, tmp[:k]...)
		if err != nil && k == 0 {
			if errors.Is(err, transport.ErrTimeout) {
				id.Notes = append(id.Notes, "no answer to ESC # * LF NUL within "+timeout.String())
				return nil
			}
			return fmt.Errorf("printers: identify: ESC # *: %w", err)
		}
	}
}

// String is the identity in one line, for logs.
func (id Identity) String() string {
	s := ""
	add := func(k, v string) {
		if v != "" {
			if s != "" {
				s += " "
			}
			s += k + "=" + strconv.Quote(v)
		}
	}
	add("maker", id.Maker)
	add("model", id.Model)
	add("serial", id.Serial)
	add("firmware", id.Firmware)
	if id.USB != nil {
		add("usb", fmt.Sprintf("%04x:%04x", id.USB.VID, id.USB.PID))
		add("usb_product", id.USB.Product)
	}
	if s == "" {
		return "nothing"
	}
	return s
}
