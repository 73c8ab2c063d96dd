// Package sdp parses and builds the messages of Epson's Server Direct
// Print, as Epson's "Server Direct Print User's Manual" (TM-i firmware
// 4.1, TM-DT, TM-T88VI) describes them: the printer POSTs a form
// (ConnectionType=GetRequest&ID=…) at an interval, the server answers
// with a <PrintRequestInfo> document of ePOS-Print jobs, the printer
// reports each job's result (ConnectionType=SetResponse with a
// <PrintResponseInfo> ResponseFile) and, when status notification is on,
// its status (ConnectionType=SetStatus).
package sdp

import (
	"errors"
	"fmt"
	"net/url"
)

// ErrBadRequest is wrapped by every parse error: the request is the
// client's fault (an HTTP 400), and nothing may change because of it.
var ErrBadRequest = errors.New("sdp: bad request")

func bad(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrBadRequest, fmt.Sprintf(format, a...))
}

// MaxRequestBody bounds a POST: a SetResponse for a full answer (up to
// 5000 jobs) is far below it.
const MaxRequestBody = 4 << 20

// maxID bounds the printer's ID (set in WebConfig; Epson allows 30
// characters).
const maxID = 64

// ConnectionType says what a POST is.
type ConnectionType string

const (
	GetRequest  ConnectionType = "GetRequest"
	SetResponse ConnectionType = "SetResponse"
	SetStatus   ConnectionType = "SetStatus"
)

// Request is one checked POST.
type Request struct {
	Type ConnectionType
	ID   string
	// Response is a SetResponse's ResponseFile.
	Response ResponseInfo
	// Status of a SetStatus.
	Status []DeviceStatus
}

// ParseRequest reads a form-encoded POST body.
func ParseRequest(body []byte) (Request, error) {
	if len(body) > MaxRequestBody {
		return Request{}, bad("body of %d bytes (at most %d)", len(body), MaxRequestBody)
	}
	q, err := url.ParseQuery(string(body))
	if err != nil {
		return Request{}, bad("form: %v", err)
	}
	for k, v := range q {
		if len(v) > 1 {
			return Request{}, bad("form field %q given %d times", k, len(v))
		}
	}
	r := Request{Type: ConnectionType(q.Get("ConnectionType")), ID: q.Get("ID")}
	if r.ID == "" || len(r.ID) > maxID {
		return Request{}, bad("ID must be 1 to %d characters", maxID)
	}
	for i := 0; i < len(r.ID); i++ {
		if c := r.ID[i]; c < 0x21 || c > 0x7e {
			return Request{}, bad("ID holds byte 0x%02x", c)
		}
	}
	switch r.Type {
	case GetRequest:
	case SetResponse:
		f := q.Get("ResponseFile")
		if f == "" {
			return Request{}, bad("SetResponse without ResponseFile")
		}
		if r.Response, err = ParseResponseFile([]byte(f)); err != nil {
			return Request{}, err
		}
	case SetStatus:
		f := q.Get("Status")
		if f == "" {
			return Request{}, bad("SetStatus without Status")
		}
		if r.Status, err = ParseStatus([]byte(f)); err != nil {
			return Request{}, err
		}
	default:
		return Request{}, bad("ConnectionType %q: want GetRequest, SetResponse or SetStatus", r.Type)
	}
	return r, nil
}
