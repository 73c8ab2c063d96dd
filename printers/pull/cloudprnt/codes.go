package cloudprnt

import "strconv"

// Code is a CloudPRNT printer status code: like an HTTP status, three
// digits whose first says the class (Star, "Printer Status Codes").
type Code int

// Class is the first digit: 2 online, 4 printer error, 5 client error.
func (c Code) Class() int { return int(c) / 100 }

func (c Code) String() string { return strconv.Itoa(int(c)) }

// Outcome is what a confirmation says happened to the job.
type Outcome int

const (
	// Printed: 2xx, the job is on paper.
	Printed Outcome = iota + 1
	// Retry: 520, the download timed out; nothing printed, the job is
	// offered again.
	Retry
	// Failed: 510/511/512 (media type not supported, not decodable,
	// version not supported) and 521 (job too large): the client could
	// not use the job, nothing printed. Offering it again would fail
	// again.
	Failed
	// Unknown: a printer fault (410 paper out, 411 jam, 420 cover open…)
	// or a code Star does not define for a confirmation: the job may be
	// partly on paper. A person decides; it is never printed again by
	// itself.
	Unknown
)

func (o Outcome) String() string {
	switch o {
	case Printed:
		return "printed"
	case Retry:
		return "retry"
	case Failed:
		return "failed"
	case Unknown:
		return "unknown"
	}
	return "Outcome(" + strconv.Itoa(int(o)) + ")"
}

// Confirmed maps a confirmation code to its outcome and a reason for the
// job's record.
func Confirmed(c Code) (Outcome, string) {
	switch {
	case c.Class() == 2:
		return Printed, ""
	case c == 520:
		return Retry, "the printer's download timed out (CloudPRNT 520); nothing printed, offered again"
	case c == 510:
		return Failed, "the printer does not support the media type (CloudPRNT 510); nothing printed"
	case c == 511:
		return Failed, "the printer could not decode the job (CloudPRNT 511); nothing printed"
	case c == 512:
		return Failed, "the printer does not support the media version (CloudPRNT 512); nothing printed"
	case c == 521:
		return Failed, "the job is too large for the printer (CloudPRNT 521); nothing printed"
	case c == 410:
		return Unknown, "the printer ran out of paper while printing (CloudPRNT 410): check the receipt before reprinting"
	case c == 411:
		return Unknown, "paper jam while printing (CloudPRNT 411): check the receipt before reprinting"
	case c == 420:
		return Unknown, "cover opened while printing (CloudPRNT 420): check the receipt before reprinting"
	}
	return Unknown, "the printer confirmed with code " + c.String() + ": check the receipt before reprinting"
}
