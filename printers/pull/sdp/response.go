package sdp

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/receipt/epos"
)

// Result is one job's result from a SetResponse.
type Result struct {
	// JobID is the printjobid (Version 2.00 and later); "" in a 1.00
	// result, which stands for the one job the answer held.
	JobID   string
	Success bool
	Code    string // ePOS-Print's code: "", EPTR_REC_EMPTY, EX_TIMEOUT…
	Status  uint32 // ePOS-Print's status bits (ASB)
}

// Rejected is the printer's refusal of a whole answer (Version 3.00's
// <ServerDirectPrint><Response Success="false">): too large, not XML,
// ePOS-Print off. Nothing of it printed.
type Rejected struct{ Summary, Detail string }

func (r Rejected) Error() string {
	return "sdp: printer refused the answer: " + r.Summary + ": " + r.Detail
}

// maxResults bounds the jobs one ResponseFile reports (an answer holds at
// most MaxDataUnits).
const maxResults = MaxDataUnits

type wireResponseInfo struct {
	XMLName xml.Name `xml:"PrintResponseInfo"`
	Version string   `xml:"Version,attr"`
	SDP     *struct {
		Response struct {
			Success string `xml:"Success,attr"`
			Summary string `xml:"ErrorSummary"`
			Detail  string `xml:"ErrorDetail"`
		} `xml:"Response"`
	} `xml:"ServerDirectPrint"`
	Jobs []struct {
		JobID    string       `xml:"Parameter>printjobid"`
		Response wireResponse `xml:"PrintResponse>response"`
	} `xml:"ePOSPrint"`
}

type wireResponse struct {
	Success string `xml:"success,attr"`
	Code    string `xml:"code,attr"`
	Status  string `xml:"status,attr"`
}

// ResponseInfo is a checked ResponseFile.
type ResponseInfo struct {
	Version  string
	Results  []Result
	Rejected *Rejected // the whole answer refused: Results is empty
}

// ParseResponseFile reads a ResponseFile, keeping a whole-answer refusal
// apart.
func ParseResponseFile(b []byte) (ResponseInfo, error) {
	if len(b) > MaxRequestBody {
		return ResponseInfo{}, bad("ResponseFile of %d bytes", len(b))
	}
	if n := bytes.Count(b, []byte("<ePOSPrint")); n > maxResults {
		return ResponseInfo{}, bad("ResponseFile with %d results (at most %d)", n, maxResults)
	}
	var w wireResponseInfo
	if err := decodeOne(b, &w); err != nil {
		return ResponseInfo{}, bad("ResponseFile: %v", err)
	}
	switch w.Version {
	case "1.00", "2.00", "3.00":
	default:
		return ResponseInfo{}, bad("ResponseFile Version %q: want 1.00, 2.00 or 3.00", w.Version)
	}
	ri := ResponseInfo{Version: w.Version}
	if w.SDP != nil && strings.EqualFold(w.SDP.Response.Success, "false") {
		ri.Rejected = &Rejected{Summary: clean(w.SDP.Response.Summary), Detail: clean(w.SDP.Response.Detail)}
		return ri, nil
	}
	if len(w.Jobs) == 0 {
		return ResponseInfo{}, bad("ResponseFile without a result")
	}
	for _, j := range w.Jobs {
		r := Result{JobID: strings.TrimSpace(j.JobID), Code: clean(j.Response.Code)}
		switch j.Response.Success {
		case "true":
			r.Success = true
		case "false":
		default:
			return ResponseInfo{}, bad("result success %q: want true or false", j.Response.Success)
		}
		if w.Version != "1.00" && r.JobID == "" {
			return ResponseInfo{}, bad("Version %s result without printjobid", w.Version)
		}
		if len(r.JobID) > maxID {
			return ResponseInfo{}, bad("printjobid of %d bytes", len(r.JobID))
		}
		if s := j.Response.Status; s != "" {
			v, err := strconv.ParseUint(s, 10, 32)
			if err != nil {
				return ResponseInfo{}, bad("result status %q: want a number", s)
			}
			r.Status = uint32(v)
		}
		ri.Results = append(ri.Results, r)
	}
	if w.Version == "1.00" && len(ri.Results) != 1 {
		return ResponseInfo{}, bad("Version 1.00 ResponseFile with %d results (one job per answer)", len(ri.Results))
	}
	return ri, nil
}

// decodeOne decodes one XML document and refuses anything after it.
// encoding/xml expands no external entities, so a hostile document
// costs no more than its size.
func decodeOne(b []byte, v any) error {
	d := xml.NewDecoder(bytes.NewReader(b))
	if err := d.Decode(v); err != nil {
		return err
	}
	for {
		t, err := d.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		switch t := t.(type) {
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return errors.New("text after the document")
			}
		case xml.Comment, xml.ProcInst:
		default:
			return errors.New("a second element after the document")
		}
	}
}

// clean bounds and strips a text the printer sent (it reaches logs and
// the web page).
func clean(s string) string {
	if len(s) > 256 {
		s = s[:256]
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, strings.TrimSpace(s))
}

// StatusOf turns ePOS-Print status bits (receipt/epos's Status…
// constants, Epson's reference) into the project's Status.
func StatusOf(bits uint32) printers.Status {
	on := func(m uint32) bool { return bits&m != 0 }
	s := printers.Status{
		Online:          !on(epos.StatusOffline) && !on(epos.StatusNoResponse),
		DrawerOpen:      on(epos.StatusDrawerKick),
		CoverOpen:       on(epos.StatusCoverOpen),
		PaperFeeding:    on(epos.StatusPaperFeed),
		Recoverable:     on(epos.StatusMechanicalErr),
		AutocutterError: on(epos.StatusAutocutterErr),
		Unrecoverable:   on(epos.StatusUnrecoverErr),
		AutoRecoverable: on(epos.StatusAutoRecoverErr),
		PaperNearEnd:    on(epos.StatusReceiptNearEnd),
		PaperEnd:        on(epos.StatusReceiptEnd),
	}
	s.Error = s.Recoverable || s.AutocutterError || s.Unrecoverable || s.AutoRecoverable
	return s
}

// Outcome is what a result makes of its job.
type Outcome int

const (
	Printed Outcome = iota + 1
	Retry           // nothing printed; offered again
	Failed          // refused as data; nothing printed, would fail again
	Unknown         // may be partly on paper: a person decides
)

func (o Outcome) String() string {
	return [...]string{"Outcome(0)", "printed", "retry", "failed", "unknown"}[min(int(o), 4)]
}

// Judge maps a job's result to its outcome and the reason to record.
// success="true" is printed. With the printer's own spooler on, Epson's
// success only means the printer took the job into its spooler; it
// prints from there once any fault clears, so "printed" is still the
// state that prevents a second copy (docs/pull-printers.md).
func Judge(r Result) (Outcome, string) {
	if r.Success {
		return Printed, ""
	}
	why := "the printer reported " + r.Code
	if r.Code == "" {
		why = "the printer reported a failure without a code"
	}
	switch epos.Code(r.Code) {
	case epos.CodeSchemaError, "ERROR_PARAMETER", epos.CodeTooLarge:
		return Failed, why + ": it refused the data; nothing printed"
	case epos.CodeDeviceNotFound, epos.CodeBadPort, epos.CodeTooManyRequests, epos.CodeSpooler:
		return Retry, why + ": nothing sent to the print mechanism; offered again"
	}
	return Unknown, why + ": check the receipt before reprinting"
}
