package cloudprnt

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// MediaType is a job format a CloudPRNT client may ask for.
type MediaType string

const (
	// MediaStarPRNT: StarPRNT command bytes (mC-Print, TSP100IV…).
	MediaStarPRNT MediaType = "application/vnd.star.starprnt"
	// MediaStarLine: Star Line Mode command bytes (TSP650II, TSP700II…).
	MediaStarLine MediaType = "application/vnd.star.line"
	// MediaPNG: the receipt as a picture, drawn by the paper engine;
	// every CloudPRNT client prints it.
	MediaPNG MediaType = "image/png"
)

// ParseMediaType accepts the three types receiptd serves.
func ParseMediaType(s string) (MediaType, error) {
	switch m := MediaType(s); m {
	case MediaStarPRNT, MediaStarLine, MediaPNG:
		return m, nil
	}
	return "", bad("type %q: receiptd serves %s, %s or %s", s, MediaStarPRNT, MediaStarLine, MediaPNG)
}

// Client actions receiptd asks for, once per printer: the print width
// (PageInfo), the client's kind and firmware (ClientType) and the media
// types it decodes (Encodings).
const (
	ActionPageInfo   = "PageInfo"
	ActionClientType = "ClientType"
	ActionEncodings  = "Encodings"
)

// ActionRequest asks the client to do or tell something.
type ActionRequest struct {
	Request string `json:"request"`
	Options string `json:"options"`
}

// Answer is the server's reply to a poll.
type Answer struct {
	JobReady   bool        `json:"jobReady"`
	MediaTypes []MediaType `json:"mediaTypes,omitempty"`
	JobToken   string      `json:"jobToken,omitempty"`
	// DeleteMethod "GET" asks the client to confirm with GET and
	// "delete" (for networks that block DELETE); empty: DELETE.
	DeleteMethod string          `json:"deleteMethod,omitempty"`
	ClientAction []ActionRequest `json:"clientAction,omitempty"`
}

// Marshal encodes the answer.
func (a Answer) Marshal() []byte {
	b, err := json.Marshal(a)
	if err != nil { // only strings, bools and slices of them
		return []byte(`{"jobReady":false}`)
	}
	return b
}

// PageInfo is the answer to ActionPageInfo: the printable width.
type PageInfo struct {
	PaperWidthMM, PrintWidthMM float64
	// Dots per millimetre, as Star's clients report the resolution (8
	// for a 203 dpi head).
	HDotsPerMM, VDotsPerMM float64
	PrintableDots          int // print width in dots, derived
}

// ParsePageInfo reads a PageInfo result. Star's clients send the numbers
// as strings; plain numbers are accepted too.
func ParsePageInfo(result string) (PageInfo, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(result), &raw); err != nil {
		return PageInfo{}, bad("PageInfo: %v", err)
	}
	num := func(k string) (float64, error) {
		v, ok := raw[k]
		if !ok {
			return 0, bad("PageInfo without %s", k)
		}
		var s string
		if json.Unmarshal(v, &s) != nil {
			s = string(v)
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil || f <= 0 || f > 10000 {
			return 0, bad("PageInfo %s %s: want a positive number", k, v)
		}
		return f, nil
	}
	var p PageInfo
	var err error
	if p.PaperWidthMM, err = num("paperWidth"); err != nil {
		return PageInfo{}, err
	}
	if p.PrintWidthMM, err = num("printWidth"); err != nil {
		return PageInfo{}, err
	}
	h, err := num("horizontalResolution")
	if err != nil {
		return PageInfo{}, err
	}
	v, err := num("verticalResolution")
	if err != nil {
		return PageInfo{}, err
	}
	p.HDotsPerMM, p.VDotsPerMM = h, v
	p.PrintableDots = int(p.PrintWidthMM * h)
	return p, nil
}

// ParseEncodings reads an Encodings result: media types separated by ';'
// (Star's format) or ','. Unknown types are kept: the printer may speak
// more than receiptd serves.
func ParseEncodings(result string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(result, func(r rune) bool { return r == ';' || r == ',' }) {
		if f = strings.TrimSpace(f); f != "" && len(out) < 32 {
			out = append(out, f)
		}
	}
	return out
}

// JobQuery is a GET for the job: ?uid=…&mac=…&type=…&token=….
type JobQuery struct {
	MAC   string // "" when absent (the printer is known by its URL)
	UID   string
	Type  MediaType
	Token string // "" from older firmware
	// Delete marks the alternative confirmation (GET with "delete").
	Delete  bool
	Confirm ConfirmQuery
}

// ConfirmQuery is a DELETE (or GET &delete) confirming the job.
type ConfirmQuery struct {
	MAC   string
	UID   string
	Token string
	Code  Code
	Text  string
}

const maxQuery = 2048

// ParseJobQuery reads a GET's query: a job fetch, or with "delete" the
// alternative confirmation.
func ParseJobQuery(rawQuery string) (JobQuery, error) {
	q, err := parseQuery(rawQuery)
	if err != nil {
		return JobQuery{}, err
	}
	if _, del := q["delete"]; del {
		c, err := confirmFrom(q)
		return JobQuery{Delete: true, Confirm: c}, err
	}
	var j JobQuery
	if j.MAC, j.UID, j.Token, err = ids(q); err != nil {
		return JobQuery{}, err
	}
	t := q.Get("type")
	if t == "" {
		return JobQuery{}, bad("job request without type")
	}
	if j.Type, err = ParseMediaType(t); err != nil {
		return JobQuery{}, err
	}
	return j, nil
}

// ParseConfirmQuery reads a DELETE's query.
func ParseConfirmQuery(rawQuery string) (ConfirmQuery, error) {
	q, err := parseQuery(rawQuery)
	if err != nil {
		return ConfirmQuery{}, err
	}
	return confirmFrom(q)
}

func confirmFrom(q url.Values) (ConfirmQuery, error) {
	var c ConfirmQuery
	var err error
	if c.MAC, c.UID, c.Token, err = ids(q); err != nil {
		return ConfirmQuery{}, err
	}
	code := q.Get("code")
	if code == "" {
		return ConfirmQuery{}, bad("confirmation without code")
	}
	if c.Code, c.Text, err = ParseStatusCode(code); err != nil {
		return ConfirmQuery{}, err
	}
	return c, nil
}

func parseQuery(raw string) (url.Values, error) {
	if len(raw) > maxQuery {
		return nil, bad("query of %d bytes (at most %d)", len(raw), maxQuery)
	}
	q, err := url.ParseQuery(raw)
	if err != nil {
		return nil, bad("query: %v", err)
	}
	for k, v := range q {
		if len(v) > 1 {
			return nil, bad("query parameter %q given %d times", k, len(v))
		}
	}
	return q, nil
}

func ids(q url.Values) (mac, uid, token string, err error) {
	if m := q.Get("mac"); m != "" {
		if mac, err = NormalizeMAC(m); err != nil {
			return "", "", "", err
		}
	}
	uid, token = q.Get("uid"), q.Get("token")
	if err := checkText("uid", uid); err != nil {
		return "", "", "", err
	}
	if err := checkText("token", token); err != nil {
		return "", "", "", err
	}
	return mac, uid, token, nil
}

// String of a query for logs.
func (c ConfirmQuery) String() string {
	return fmt.Sprintf("mac=%s token=%s code=%d", c.MAC, c.Token, int(c.Code))
}
