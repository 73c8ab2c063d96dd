// Package cloudprnt parses and builds the messages of Star's CloudPRNT
// protocol, HTTP version, as Star's protocol reference describes it
// (https://star-m.jp/products/s_print/sdk/StarCloudPRNT/manual/en/protocol-reference/):
// the printer POSTs its status as JSON at an interval, the server answers
// whether a job waits and in which media types, the printer GETs the job
// and confirms it with DELETE (or GET with "delete") and a status code.
package cloudprnt

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/secuprint/receipt/escpos/star"
	"github.com/secuprint/receipt/printers"
)

// Limits of what a printer may send. A poll from real firmware is well
// under a kilobyte; the peripherals' fields (barcode scans, key presses)
// can grow it, so the bound is generous but finite.
const (
	MaxPollBody     = 64 << 10
	maxField        = 256 // any one string field
	maxClientAction = 16  // results in one poll
	maxActionResult = 4096
)

// ErrBadRequest is wrapped by every parse error: the request is the
// client's fault (an HTTP 400), and nothing may change because of it.
var ErrBadRequest = errors.New("cloudprnt: bad request")

func bad(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrBadRequest, fmt.Sprintf(format, a...))
}

// Poll is a printer's POST body, checked.
type Poll struct {
	// MAC is the printer's Ethernet MAC, normalised to lower case
	// aa:bb:cc:dd:ee:ff; "" when the client sent none (allowed: the
	// printer is then known by its URL).
	MAC      string
	UniqueID string
	// Code is the status code's three digits (200, 410…): Star's
	// "printer status codes"; Text is the description after it.
	Code Code
	Text string
	// ASB is the decoded Star automatic status, when the client sent one.
	ASB *star.ASB
	// PrintingInProgress: the printer is printing a job (newer firmware);
	// a job handed to it must not be taken as lost meanwhile.
	PrintingInProgress bool
	// JobToken is the token of the job the printer is working on (newer
	// firmware), "" when none.
	JobToken string
	// Actions are the answers to the server's clientAction requests.
	Actions []ActionResult
}

// ActionResult is one clientAction answer: Request is what was asked
// (PageInfo, ClientType, Encodings…), Result the client's answer as text
// (PageInfo answers with a JSON object, kept here as its JSON text).
type ActionResult struct {
	Request string
	Result  string
}

// wirePoll is the JSON as sent. Fields the server does not use
// (barcodeReader, keyboard, display) are ignored: Star adds fields with
// new firmware, and refusing them would cut off newer printers.
type wirePoll struct {
	Status             *string           `json:"status"`
	PrinterMAC         *string           `json:"printerMAC"`
	UniqueID           *string           `json:"uniqueID"`
	StatusCode         *string           `json:"statusCode"`
	JobToken           *string           `json:"jobToken"`
	PrintingInProgress *bool             `json:"printingInProgress"`
	ClientAction       []json.RawMessage `json:"clientAction"`
}

type wireAction struct {
	Request string          `json:"request"`
	Result  json.RawMessage `json:"result"`
}

// ParsePoll checks and decodes a poll body. Star's reference makes every
// field but statusCode optional and allows null for each.
func ParsePoll(body []byte) (Poll, error) {
	if len(body) > MaxPollBody {
		return Poll{}, bad("poll body of %d bytes (at most %d)", len(body), MaxPollBody)
	}
	var w wirePoll
	d := json.NewDecoder(bytes.NewReader(body))
	if err := d.Decode(&w); err != nil {
		return Poll{}, bad("poll body: %v", err)
	}
	if d.More() {
		return Poll{}, bad("poll body: data after the JSON object")
	}
	var p Poll
	if w.StatusCode == nil {
		return Poll{}, bad("poll without statusCode")
	}
	var err error
	if p.Code, p.Text, err = ParseStatusCode(*w.StatusCode); err != nil {
		return Poll{}, err
	}
	if w.PrinterMAC != nil && *w.PrinterMAC != "" {
		if p.MAC, err = NormalizeMAC(*w.PrinterMAC); err != nil {
			return Poll{}, err
		}
	}
	for _, f := range []struct {
		name string
		src  *string
		dst  *string
	}{{"uniqueID", w.UniqueID, &p.UniqueID}, {"jobToken", w.JobToken, &p.JobToken}} {
		if f.src == nil {
			continue
		}
		if err := checkText(f.name, *f.src); err != nil {
			return Poll{}, err
		}
		*f.dst = *f.src
	}
	if w.Status != nil && *w.Status != "" {
		a, err := ParseASBHex(*w.Status)
		if err != nil {
			return Poll{}, err
		}
		p.ASB = &a
	}
	if w.PrintingInProgress != nil {
		p.PrintingInProgress = *w.PrintingInProgress
	}
	if len(w.ClientAction) > maxClientAction {
		return Poll{}, bad("%d clientAction results (at most %d)", len(w.ClientAction), maxClientAction)
	}
	for _, raw := range w.ClientAction {
		var a wireAction
		if err := json.Unmarshal(raw, &a); err != nil {
			return Poll{}, bad("clientAction: %v", err)
		}
		if err := checkText("clientAction request", a.Request); err != nil || a.Request == "" {
			return Poll{}, bad("clientAction without a valid request name")
		}
		if len(a.Result) > maxActionResult {
			return Poll{}, bad("clientAction %s: result of %d bytes (at most %d)", a.Request, len(a.Result), maxActionResult)
		}
		res := string(a.Result)
		var s string
		if json.Unmarshal(a.Result, &s) == nil {
			res = s // a string result unquoted; objects stay JSON
		}
		p.Actions = append(p.Actions, ActionResult{Request: a.Request, Result: res})
	}
	return p, nil
}

// checkText refuses over-long fields and control bytes: these strings
// reach logs and the web page.
func checkText(name, s string) error {
	if len(s) > maxField {
		return bad("%s of %d bytes (at most %d)", name, len(s), maxField)
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return bad("%s holds control byte 0x%02x", name, s[i])
		}
	}
	return nil
}

// NormalizeMAC checks an Ethernet MAC (six hex pairs separated by ':'
// or '-') and returns it as lower-case aa:bb:cc:dd:ee:ff.
func NormalizeMAC(s string) (string, error) {
	if len(s) != 17 {
		return "", bad("MAC %q: want six hex pairs such as 00:11:62:1a:2b:3c", s)
	}
	b := []byte(strings.ToLower(s))
	for i := range 6 {
		if _, err := hex.DecodeString(string(b[3*i : 3*i+2])); err != nil {
			return "", bad("MAC %q: want six hex pairs such as 00:11:62:1a:2b:3c", s)
		}
		if i < 5 {
			if b[3*i+2] != ':' && b[3*i+2] != '-' {
				return "", bad("MAC %q: pairs are separated by ':'", s)
			}
			b[3*i+2] = ':'
		}
	}
	return string(b), nil
}

// ParseASBHex decodes the poll's "status": the printer's ASB as hex
// digits, with or without spaces between the bytes, through the
// project's Star ASB codec (escpos/star). Two things differ from an ASB read off a
// serial line, both seen in Star's own example of a CloudPRNT status
// ("23 86 00 00 00 00 00 00 00 00 00", cputil's README): header 2 has
// bit 7 set (0x86), which the line codec takes as noise, and more bytes
// follow than header 1 announces. Bit 7 of header 2 is cleared before
// decoding and the bytes past the packet are ignored.
func ParseASBHex(s string) (star.ASB, error) {
	if len(s) > 3*maxASB {
		return star.ASB{}, bad("status of %d characters (at most %d bytes)", len(s), maxASB)
	}
	raw, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		return star.ASB{}, bad("status %q is not hex: %v", s, err)
	}
	if len(raw) >= 2 {
		raw[1] &^= 0x80
	}
	// Star calls it "7 or more" values and some servers' samples show 8
	// against a header announcing 9: a short packet holding the four
	// status bytes is padded, and its ETB counter not trusted.
	got := len(raw)
	if got >= 6 && star.IsASBHeader(raw[0]) {
		for len(raw) < 15 {
			raw = append(raw, 0)
		}
	}
	a, _, err := star.DecodeASB(raw)
	if err != nil {
		return star.ASB{}, bad("status %q: %v", s, err)
	}
	if got < 8 {
		a.HasETB, a.ETBCounter = false, 0
	}
	return a, nil
}

// maxASB bounds the status bytes: header 1 can announce at most 15.
const maxASB = 32

// ParseStatusCode splits a printer status code such as "200 OK",
// "200%20OK" (Star's own examples URL-encode it), "410 Out of paper" or
// "OK" (some clients confirm with the word alone: taken as 200).
func ParseStatusCode(s string) (Code, string, error) {
	if len(s) > maxField {
		return 0, "", bad("status code of %d bytes (at most %d)", len(s), maxField)
	}
	if u, err := url.PathUnescape(s); err == nil {
		s = u
	}
	s = strings.TrimSpace(s)
	if strings.EqualFold(s, "OK") {
		return 200, "OK", nil
	}
	if len(s) < 3 {
		return 0, "", bad("status code %q: want three digits", s)
	}
	n, err := strconv.Atoi(s[:3])
	if err != nil || n < 100 || (len(s) > 3 && s[3] != ' ') {
		return 0, "", bad("status code %q: want three digits, then a space and a description", s)
	}
	text := strings.TrimSpace(s[3:])
	if err := checkText("status description", text); err != nil {
		return 0, "", err
	}
	return Code(n), text, nil
}

// Status is what a poll says of the printer, in the project's terms: the
// ASB when the client sent one, else what the status code says.
func (p Poll) Status() printers.Status {
	if p.ASB != nil {
		return printers.Status(p.ASB.Status)
	}
	var s printers.Status
	s.Online = p.Code.Class() == 2
	switch {
	case p.Code == 210 || (p.Code >= 210 && p.Code < 220):
		s.PaperNearEnd = true
	case p.Code >= 410 && p.Code < 420:
		if p.Code == 411 {
			s.Error, s.Recoverable = true, true // paper jam
		} else {
			s.PaperEnd = true
		}
	case p.Code >= 420 && p.Code < 430:
		s.CoverOpen = true
	case p.Code.Class() == 4:
		s.Error = true
	}
	return s
}
