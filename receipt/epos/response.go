package epos

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// Code is an ePOS-Print error code, as Epson's current reference lists
// them (TooManyRequests and RequestEntityTooLarge are missing from older
// manuals).
type Code string

const (
	CodeNone             Code = ""
	CodeRecEmpty         Code = "EPTR_REC_EMPTY"     // roll paper end
	CodeCoverOpen        Code = "EPTR_COVER_OPEN"    // cover open
	CodeCutter           Code = "EPTR_CUTTER"        // autocutter error
	CodeMechanical       Code = "EPTR_MECHANICAL"    // mechanical (recoverable) error
	CodeAutomatical      Code = "EPTR_AUTOMATICAL"   // automatically recoverable error
	CodeUnrecoverable    Code = "EPTR_UNRECOVERABLE" // unrecoverable error
	CodeSchemaError      Code = "SchemaError"        // the request is not a valid document
	CodeDeviceNotFound   Code = "DeviceNotFound"     // no printer by that devid
	CodePrintSystemError Code = "PrintSystemError"   // the print system failed, or cannot tell
	CodeBadPort          Code = "EX_BADPORT"         // the printer cannot be reached
	CodeTimeout          Code = "EX_TIMEOUT"         // not printed within the timeout
	CodeSpooler          Code = "EX_SPOOLER"         // the print queue is full
	CodeTooManyRequests  Code = "TooManyRequests"
	CodeTooLarge         Code = "RequestEntityTooLarge"
)

// Status bits of <response status>, per Epson's reference.
const (
	StatusNoResponse     uint32 = 0x00000001 // no answer from the printer
	StatusPrintSuccess   uint32 = 0x00000002 // printing completed
	StatusDrawerKick     uint32 = 0x00000004 // drawer kick-out connector pin 3 high
	StatusOffline        uint32 = 0x00000008
	StatusCoverOpen      uint32 = 0x00000020
	StatusPaperFeed      uint32 = 0x00000040 // paper fed by the feed button
	StatusWaitOnline     uint32 = 0x00000100 // waiting to come back online
	StatusPanelSwitch    uint32 = 0x00000200 // feed button pressed
	StatusMechanicalErr  uint32 = 0x00000400
	StatusAutocutterErr  uint32 = 0x00000800
	StatusUnrecoverErr   uint32 = 0x00002000
	StatusAutoRecoverErr uint32 = 0x00004000
	StatusReceiptNearEnd uint32 = 0x00020000
	StatusReceiptEnd     uint32 = 0x00080000
	StatusBuzzer         uint32 = 0x01000000
	StatusSpoolerStopped uint32 = 0x80000000
)

// Printer is what receiptd knows of the printer when it answers, in the
// terms of its status reads (printers.Status).
type Printer struct {
	Known                                     bool // false: no status could be read (no answer, or a write-only link)
	Online, CoverOpen, PaperEnd, PaperNearEnd bool
	DrawerOpen, FeedButton, PaperFeeding      bool
	Waiting, Recoverable, AutocutterError     bool
	Unrecoverable, AutoRecoverable, Stopped   bool // Stopped: receiptd holds the printer's queue
}

// Bits returns the printer's <response status> bits.
func (p Printer) Bits() uint32 {
	if !p.Known {
		return StatusNoResponse
	}
	var s uint32
	set := func(on bool, bit uint32) {
		if on {
			s |= bit
		}
	}
	set(p.DrawerOpen, StatusDrawerKick)
	set(!p.Online, StatusOffline)
	set(p.CoverOpen, StatusCoverOpen)
	set(p.PaperFeeding, StatusPaperFeed)
	set(p.Waiting, StatusWaitOnline)
	set(p.FeedButton, StatusPanelSwitch)
	set(p.Recoverable, StatusMechanicalErr)
	set(p.AutocutterError, StatusAutocutterErr)
	set(p.Unrecoverable, StatusUnrecoverErr)
	set(p.AutoRecoverable, StatusAutoRecoverErr)
	set(p.PaperNearEnd, StatusReceiptNearEnd)
	set(p.PaperEnd, StatusReceiptEnd)
	set(p.Stopped, StatusSpoolerStopped)
	return s
}

// Outcome is what became of a request, as the endpoint saw it.
type Outcome uint8

const (
	// OutcomePrinted: the printer confirmed the whole job.
	OutcomePrinted Outcome = iota
	// OutcomeFailed: the job did not print and never will (it ends
	// failed); the printer's condition says why.
	OutcomeFailed
	// OutcomeUnknown: bytes went out but nothing confirmed them: the
	// paper may or may not show the receipt. Never a success.
	OutcomeUnknown
	// OutcomeTimeout: the request's timeout passed before any byte went
	// out; the job was failed at the answer and never prints.
	OutcomeTimeout
	OutcomeSchemaError
	OutcomeTooLarge
	OutcomeNoDevice
	OutcomeQueueFull
	OutcomeTooManyRequests
	OutcomeSystemError
)

// Response is a <response> element.
type Response struct {
	Success    bool
	Code       Code
	Status     uint32
	Battery    int
	PrintJobID string // echoed from the request's header, when it had one
}

// Answer maps an outcome and the printer's condition to Epson's answer.
// A failed print names the printer's most telling condition (paper end,
// cover open, cutter, unrecoverable, automatically recoverable,
// mechanical), else EX_BADPORT when the printer is unreachable or
// offline, else PrintSystemError. An unknown outcome is PrintSystemError
// without the printing-completed bit: the till must not take it for a
// print.
func Answer(o Outcome, p Printer) Response {
	r := Response{Status: p.Bits()}
	switch o {
	case OutcomePrinted:
		r.Success = true
		r.Status |= StatusPrintSuccess
		r.Status &^= StatusNoResponse
	case OutcomeFailed:
		r.Code = failureCode(p)
	case OutcomeUnknown, OutcomeSystemError:
		r.Code = CodePrintSystemError
	case OutcomeTimeout:
		r.Code = CodeTimeout
	case OutcomeSchemaError:
		r.Code = CodeSchemaError
	case OutcomeTooLarge:
		r.Code = CodeTooLarge
	case OutcomeNoDevice:
		r.Code = CodeDeviceNotFound
	case OutcomeQueueFull:
		r.Code = CodeSpooler
	case OutcomeTooManyRequests:
		r.Code = CodeTooManyRequests
	default:
		r.Code = CodePrintSystemError
	}
	return r
}

func failureCode(p Printer) Code {
	switch {
	case !p.Known:
		return CodeBadPort
	case p.PaperEnd:
		return CodeRecEmpty
	case p.CoverOpen:
		return CodeCoverOpen
	case p.AutocutterError:
		return CodeCutter
	case p.Unrecoverable:
		return CodeUnrecoverable
	case p.AutoRecoverable:
		return CodeAutomatical
	case p.Recoverable:
		return CodeMechanical
	case !p.Online:
		return CodeBadPort
	}
	return CodePrintSystemError
}

// AppendResponse appends r as Epson's printers send it: a bare <response>,
// or inside a SOAP 1.1 envelope when the request came in one.
func AppendResponse(b []byte, r Response, envelope bool) []byte {
	if envelope {
		b = append(b, `<?xml version="1.0" encoding="utf-8"?>`+"\n"+
			`<s:Envelope xmlns:s="`+SOAPNamespace+`"><s:Body>`...)
	}
	b = append(b, `<response success="`...)
	b = strconv.AppendBool(b, r.Success)
	b = append(b, `" code="`...)
	b = appendEscaped(b, string(r.Code))
	b = append(b, `" status="`...)
	b = strconv.AppendUint(b, uint64(r.Status), 10)
	b = append(b, `" battery="`...)
	b = strconv.AppendInt(b, int64(r.Battery), 10)
	b = append(b, `" xmlns="`+Namespace+`"`...)
	if r.PrintJobID == "" {
		b = append(b, "/>"...)
	} else {
		b = append(b, "><printjobid>"...)
		b = appendEscaped(b, r.PrintJobID)
		b = append(b, "</printjobid></response>"...)
	}
	if envelope {
		b = append(b, "</s:Body></s:Envelope>"...)
	}
	return b
}

func appendEscaped(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		switch ch := s[i]; ch {
		case '<':
			b = append(b, "&lt;"...)
		case '>':
			b = append(b, "&gt;"...)
		case '&':
			b = append(b, "&amp;"...)
		case '"':
			b = append(b, "&quot;"...)
		case '\'':
			b = append(b, "&apos;"...)
		default:
			if ch < 0x20 {
				b = append(b, "&#"...)
				b = strconv.AppendInt(b, int64(ch), 10)
				b = append(b, ';')
				continue
			}
			b = append(b, ch)
		}
	}
	return b
}

// ParseResponse reads a <response>, bare or in a SOAP envelope, as a till
// does. It reports whether the envelope was there.
func ParseResponse(rd io.Reader) (Response, bool, error) {
	d := xml.NewDecoder(io.LimitReader(rd, 64<<10))
	var r Response
	env, found := false, false
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			if !found {
				return r, env, fmt.Errorf("epos: no <response>")
			}
			return r, env, nil
		}
		if err != nil {
			return r, env, fmt.Errorf("epos: response: %w", err)
		}
		t, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch {
		case t.Name.Space == SOAPNamespace && t.Name.Local == "Envelope":
			env = true
		case t.Name.Local == "response":
			found = true
			for _, a := range t.Attr {
				switch a.Name.Local {
				case "success":
					r.Success = a.Value == "true" || a.Value == "1"
				case "code":
					r.Code = Code(a.Value)
				case "status":
					n, err := strconv.ParseUint(a.Value, 10, 32)
					if err != nil {
						return r, env, fmt.Errorf("epos: response status %q: %w", a.Value, err)
					}
					r.Status = uint32(n)
				case "battery":
					r.Battery, _ = strconv.Atoi(a.Value)
				}
			}
		case t.Name.Local == "printjobid":
			var s string
			if err := d.DecodeElement(&s, &t); err != nil {
				return r, env, fmt.Errorf("epos: response printjobid: %w", err)
			}
			r.PrintJobID = s
		}
	}
}
