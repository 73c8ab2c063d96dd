package sdp

import (
	"bytes"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/secuprint/receipt/printers"
)

func form(kv ...string) []byte {
	v := url.Values{}
	for i := 0; i < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return []byte(v.Encode())
}

func file(t testing.TB, name string) string {
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestParseRequest(t *testing.T) {
	r, err := ParseRequest([]byte("ConnectionType=GetRequest&ID=shop1"))
	if err != nil || r.Type != GetRequest || r.ID != "shop1" {
		t.Fatalf("%+v %v", r, err)
	}
	r, err = ParseRequest(form("ConnectionType", "SetResponse", "ID", "shop1", "ResponseFile", file(t, "response-v2.xml")))
	if err != nil {
		t.Fatal(err)
	}
	want := []Result{{JobID: "j1000000000001", Success: true, Status: 251658262},
		{JobID: "j1000000000002", Code: "EPTR_REC_EMPTY", Status: 524296}}
	if r.Response.Version != "2.00" || len(r.Response.Results) != 2 || r.Response.Results[0] != want[0] || r.Response.Results[1] != want[1] {
		t.Errorf("results %+v", r.Response)
	}
	r, err = ParseRequest(form("ConnectionType", "SetResponse", "ID", "shop1", "ResponseFile", file(t, "response-v1.xml")))
	if err != nil || r.Response.Version != "1.00" || len(r.Response.Results) != 1 || !r.Response.Results[0].Success || r.Response.Results[0].JobID != "" {
		t.Errorf("v1 %+v %v", r, err)
	}
	r, err = ParseRequest(form("ConnectionType", "SetResponse", "ID", "shop1", "ResponseFile", file(t, "response-rejected.xml")))
	if err != nil || r.Response.Rejected == nil || r.Response.Rejected.Summary != "Data size is exceeded" {
		t.Errorf("rejected %+v %v", r, err)
	}
	r, err = ParseRequest(form("ConnectionType", "SetStatus", "ID", "shop1", "Status", file(t, "status-paperend.xml")))
	if err != nil {
		t.Fatal(err)
	}
	p, ok := Printer(r.Status)
	if !ok || p.ASB != 0x00080008 {
		t.Fatalf("status %+v", r.Status)
	}
	if got := StatusOf(p.ASB); got != (printers.Status{PaperEnd: true}) {
		t.Errorf("StatusOf %+v", got)
	}
}

func TestParseRequestRejects(t *testing.T) {
	v2 := file(t, "response-v2.xml")
	for name, body := range map[string][]byte{
		"no id":          []byte("ConnectionType=GetRequest"),
		"id control":     form("ConnectionType", "GetRequest", "ID", "a\x01"),
		"long id":        form("ConnectionType", "GetRequest", "ID", strings.Repeat("a", 65)),
		"bad type":       form("ConnectionType", "Print", "ID", "a"),
		"twice":          []byte("ConnectionType=GetRequest&ID=a&ID=b"),
		"bad form":       []byte("ConnectionType=%zz"),
		"no file":        form("ConnectionType", "SetResponse", "ID", "a"),
		"not xml":        form("ConnectionType", "SetResponse", "ID", "a", "ResponseFile", "<PrintResponseInfo"),
		"wrong root":     form("ConnectionType", "SetResponse", "ID", "a", "ResponseFile", "<x Version=\"2.00\"/>"),
		"bad version":    form("ConnectionType", "SetResponse", "ID", "a", "ResponseFile", strings.Replace(v2, "2.00", "9.00", 1)),
		"no job id":      form("ConnectionType", "SetResponse", "ID", "a", "ResponseFile", strings.Replace(v2, "<printjobid>j1000000000001</printjobid>", "", 1)),
		"bad success":    form("ConnectionType", "SetResponse", "ID", "a", "ResponseFile", strings.Replace(v2, `success="true"`, `success="yes"`, 1)),
		"bad status":     form("ConnectionType", "SetResponse", "ID", "a", "ResponseFile", strings.Replace(v2, `status="251658262"`, `status="-1"`, 1)),
		"two documents":  form("ConnectionType", "SetResponse", "ID", "a", "ResponseFile", v2+v2),
		"empty results":  form("ConnectionType", "SetResponse", "ID", "a", "ResponseFile", `<PrintResponseInfo Version="2.00"></PrintResponseInfo>`),
		"no status":      form("ConnectionType", "SetStatus", "ID", "a"),
		"status root":    form("ConnectionType", "SetStatus", "ID", "a", "Status", "<other/>"),
		"status number":  form("ConnectionType", "SetStatus", "ID", "a", "Status", "<statusmonitor><asbstatus>x</asbstatus></statusmonitor>"),
		"status cut off": form("ConnectionType", "SetStatus", "ID", "a", "Status", "<statusmonitor><devid>"),
		"huge":           bytes.Repeat([]byte("a"), MaxRequestBody+1),
	} {
		if _, err := ParseRequest(body); !errors.Is(err, ErrBadRequest) {
			t.Errorf("%s: %v, want ErrBadRequest", name, err)
		}
	}
}

// eposReader reads an answer the way a printer would: the document,
// each job's id and the bytes in its <command>.
type eposReader struct {
	XMLName xml.Name `xml:"PrintRequestInfo"`
	Version string   `xml:"Version,attr"`
	Jobs    []struct {
		DevID   string `xml:"Parameter>devid"`
		Timeout int    `xml:"Parameter>timeout"`
		JobID   string `xml:"Parameter>printjobid"`
		Print   struct {
			XMLName xml.Name `xml:"http://www.epson-pos.com/schemas/2011/03/epos-print epos-print"`
			Command string   `xml:"command"`
		} `xml:"PrintData>epos-print"`
	} `xml:"ePOSPrint"`
}

func TestAppendRequestInfo(t *testing.T) {
	jobs := []Job{{ID: "j1000000000001", Timeout: 30 * time.Second, ESCPOS: []byte("\x1b@Hello\n\x1dV\x00")},
		{ID: "j1000000000002", ESCPOS: []byte("\x1b@x")}}
	if got := AppendRequestInfo(nil, V2, nil); len(got) != 0 {
		t.Errorf("nothing waits: %q, want an empty answer", got)
	}
	for _, v := range []Version{V1, V2} {
		js := jobs[:Take(v, []int{len(jobs[0].ESCPOS), len(jobs[1].ESCPOS)})]
		b := AppendRequestInfo(nil, v, js)
		var r eposReader
		if err := xml.Unmarshal(b, &r); err != nil {
			t.Fatalf("v%d: %v\n%s", v, err, b)
		}
		if len(r.Jobs) != len(js) {
			t.Fatalf("v%d: %d jobs, want %d", v, len(r.Jobs), len(js))
		}
		if (v == V1) != (r.Version == "") || (v == V2 && r.Version != "2.00") {
			t.Errorf("v%d: Version %q", v, r.Version)
		}
		for i, j := range r.Jobs {
			got, err := hex.DecodeString(j.Print.Command)
			if err != nil || !bytes.Equal(got, js[i].ESCPOS) {
				t.Errorf("v%d job %d: command %q", v, i, j.Print.Command)
			}
			if j.DevID != DevID || (v == V2 && j.JobID != js[i].ID) || (v == V1 && j.JobID != "") {
				t.Errorf("v%d job %d: %+v", v, i, j)
			}
		}
		if r.Jobs[0].Timeout != 30000 {
			t.Errorf("timeout %d", r.Jobs[0].Timeout)
		}
	}
}

func TestTake(t *testing.T) {
	tests := []struct {
		name  string
		v     Version
		sizes []int
		want  int
	}{
		{"v1 one per poll", V1, []int{10, 10, 10}, 1},
		{"v2 all", V2, []int{10, 10, 10}, 3},
		{"units", V2, make([]int, 6000), MaxDataUnits},
		{"2 MB", V2, []int{600 << 10, 600 << 10, 10}, 1},
		{"too big", V2, []int{1 << 20}, 0},
		{"none", V2, nil, 0},
	}
	for _, tt := range tests {
		if got := Take(tt.v, tt.sizes); got != tt.want {
			t.Errorf("%s: %d, want %d", tt.name, got, tt.want)
		}
	}
	if !Fits(1<<20-2048) || Fits(1<<20) {
		t.Error("Fits: a job of just under 1 MiB fits (hex doubles it), 1 MiB does not")
	}
	// An answer of MaxDataUnits jobs stays within 2 MB.
	js := make([]Job, MaxDataUnits)
	for i := range js {
		js[i] = Job{ID: "j1000000000001", ESCPOS: make([]byte, 100)}
	}
	sizes := make([]int, len(js))
	for i := range sizes {
		sizes[i] = 100
	}
	n := Take(V2, sizes)
	if b := AppendRequestInfo(nil, V2, js[:n]); len(b) > MaxAnswer {
		t.Errorf("%d jobs: %d bytes", n, len(b))
	}
}

func TestJudge(t *testing.T) {
	tests := []struct {
		r    Result
		want Outcome
	}{
		{Result{Success: true}, Printed},
		{Result{Code: "SchemaError"}, Failed},
		{Result{Code: "DeviceNotFound"}, Retry},
		{Result{Code: "EX_BADPORT"}, Retry},
		{Result{Code: "EPTR_REC_EMPTY"}, Unknown},
		{Result{Code: "EPTR_COVER_OPEN"}, Unknown},
		{Result{Code: "EX_TIMEOUT"}, Unknown},
		{Result{}, Unknown},
	}
	for _, tt := range tests {
		if got, why := Judge(tt.r); got != tt.want || (got != Printed && why == "") {
			t.Errorf("%+v: %v %q, want %v", tt.r, got, why, tt.want)
		}
	}
}

func FuzzParseRequest(f *testing.F) {
	f.Add([]byte("ConnectionType=GetRequest&ID=shop1"))
	seeds, _ := filepath.Glob("testdata/*.xml")
	for _, s := range seeds {
		b, _ := os.ReadFile(s)
		f.Add(form("ConnectionType", "SetResponse", "ID", "a", "ResponseFile", string(b)))
		f.Add(form("ConnectionType", "SetStatus", "ID", "a", "Status", string(b)))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseRequest(b)
		if err != nil {
			if !errors.Is(err, ErrBadRequest) {
				t.Fatalf("error not ErrBadRequest: %v", err)
			}
			return
		}
		for _, res := range r.Response.Results {
			if o, why := Judge(res); o == 0 || (o != Printed && why == "") {
				t.Fatalf("%+v judged %v %q", res, o, why)
			}
		}
	})
}
