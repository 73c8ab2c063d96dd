package sdp

import (
	"encoding/hex"
	"strconv"
	"time"
)

// Epson's limits on one answer to GetRequest (the manual's SetResponse
// error table: "exceeds 2MB", "print data units … exceeds 5000"). A
// larger backlog goes out over several polls.
const (
	MaxAnswer    = 2 << 20
	MaxDataUnits = 5000
)

// Version of the <PrintRequestInfo> answer.
type Version int

const (
	// V1 (Version="1.00"): firmware before print job IDs. The result
	// names no job, so one job goes out per poll.
	V1 Version = 1
	// V2 (Version="2.00"): one <ePOSPrint> per job, each with its
	// <printjobid>, answered job by job.
	V2 Version = 2
)

// Job is one print job of an answer. The job goes out as raw ESC/POS in
// one ePOS-Print <command> element (hex): the spool holds the receipt
// already rendered for the printer (code pages, logos, barcodes, cut),
// byte for byte what every other transport sends and what a reprint
// sends again. Translating those bytes back into ePOS-Print's <text>,
// <image>… elements would be a second renderer with its own gaps; the
// <command> element exists to carry exactly such bytes.
type Job struct {
	ID      string // the spool's job id, sent as printjobid (V2)
	Timeout time.Duration
	ESCPOS  []byte
}

const (
	header   = `<?xml version="1.0" encoding="utf-8"?>` + "\n"
	eposOpen = `<epos-print xmlns="http://www.epson-pos.com/schemas/2011/03/epos-print"><command>`
	// DevID is the printer itself, as Epson's examples name it.
	DevID = "local_printer"
)

// perJob is the markup around one job's hex, an upper bound.
const perJob = len("<ePOSPrint><Parameter><devid>"+DevID+"</devid><timeout>") + 10 +
	len("</timeout><printjobid>") + 64 + len("</printjobid></Parameter><PrintData>") +
	len(eposOpen) + len("</command></epos-print></PrintData></ePOSPrint>\n")

const overhead = len(header) + len(`<PrintRequestInfo Version="2.00">`+"\n") + len("</PrintRequestInfo>\n")

// Fits reports whether a job of n bytes can go out at all.
func Fits(n int) bool { return overhead+perJob+2*n <= MaxAnswer }

// Take says how many of the jobs (of sizes, oldest first) one answer
// holds: as many as fit in MaxAnswer and MaxDataUnits (one unit per job:
// each is one <command>), at least one when the first Fits, and one at
// most for V1.
func Take(v Version, sizes []int) int {
	total, n := overhead, 0
	for _, s := range sizes {
		if n == MaxDataUnits || (v == V1 && n == 1) {
			break
		}
		total += perJob + 2*s
		if total > MaxAnswer {
			break
		}
		n++
	}
	return n
}

// AppendRequestInfo appends the answer to a GetRequest holding jobs
// (which the caller sized with Take). No jobs: the empty answer Epson
// expects when nothing waits.
func AppendRequestInfo(dst []byte, v Version, jobs []Job) []byte {
	if len(jobs) == 0 {
		return dst
	}
	dst = append(dst, header...)
	if v == V1 {
		dst = append(dst, "<PrintRequestInfo>\n"...)
	} else {
		dst = append(dst, `<PrintRequestInfo Version="2.00">`+"\n"...)
	}
	for _, j := range jobs {
		dst = append(dst, "<ePOSPrint><Parameter><devid>"+DevID+"</devid><timeout>"...)
		ms := j.Timeout.Milliseconds()
		if ms <= 0 {
			ms = 60000
		}
		dst = strconv.AppendInt(dst, ms, 10)
		dst = append(dst, "</timeout>"...)
		if v != V1 {
			dst = append(dst, "<printjobid>"...)
			dst = appendEscaped(dst, j.ID)
			dst = append(dst, "</printjobid>"...)
		}
		dst = append(dst, "</Parameter><PrintData>"+eposOpen...)
		dst = hex.AppendEncode(dst, j.ESCPOS)
		dst = append(dst, "</command></epos-print></PrintData></ePOSPrint>\n"...)
	}
	return append(dst, "</PrintRequestInfo>\n"...)
}

// appendEscaped appends s with XML's special characters escaped (job ids
// hold none, but nothing unescaped reaches the markup).
func appendEscaped(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '<':
			dst = append(dst, "&lt;"...)
		case '>':
			dst = append(dst, "&gt;"...)
		case '&':
			dst = append(dst, "&amp;"...)
		case '"':
			dst = append(dst, "&quot;"...)
		default:
			dst = append(dst, c)
		}
	}
	return dst
}
