package cloudprnt

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secuprint/receipt/printers"
)

func TestParsePollTestdata(t *testing.T) {
	tests := []struct {
		file     string
		mac      string
		code     Code
		status   printers.Status
		token    string
		printing bool
		actions  int
	}{
		{"poll-mcprint3.json", "00:11:62:1a:2b:3c", 200, printers.Status{Online: true}, "", false, 0},
		{"poll-emulator.json", "", 200, printers.Status{Online: true}, "", false, 0},
		{"poll-paperout.json", "00:11:62:1a:2b:3c", 410, printers.Status{Online: true, PaperEnd: true}, "j1000000000042", true, 0},
		{"poll-coveropen.json", "00:11:62:1a:2b:3c", 420, printers.Status{Online: true, CoverOpen: true}, "", false, 0},
		{"poll-actions.json", "00:11:62:1a:2b:3c", 200, printers.Status{Online: true}, "", false, 3},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			p, err := ParsePoll(b)
			if err != nil {
				t.Fatal(err)
			}
			if p.MAC != tt.mac || p.Code != tt.code || p.JobToken != tt.token || p.PrintingInProgress != tt.printing || len(p.Actions) != tt.actions {
				t.Errorf("got mac %q code %d token %q printing %v actions %d", p.MAC, p.Code, p.JobToken, p.PrintingInProgress, len(p.Actions))
			}
			if got := p.Status(); got != tt.status {
				t.Errorf("status %+v, want %+v", got, tt.status)
			}
		})
	}
}

func TestPollActions(t *testing.T) {
	b, _ := os.ReadFile("testdata/poll-actions.json")
	p, err := ParsePoll(b)
	if err != nil {
		t.Fatal(err)
	}
	pi, err := ParsePageInfo(p.Actions[0].Result)
	if err != nil {
		t.Fatal(err)
	}
	if pi.PrintableDots != 576 || pi.PaperWidthMM != 80 {
		t.Errorf("page info %+v: want 576 dots on 80 mm", pi)
	}
	if p.Actions[1].Result != "Star mC-Print3" {
		t.Errorf("client type %q", p.Actions[1].Result)
	}
	enc := ParseEncodings(p.Actions[2].Result)
	if len(enc) != 4 || enc[2] != string(MediaStarPRNT) {
		t.Errorf("encodings %q", enc)
	}
}

func TestParsePollRejects(t *testing.T) {
	for name, body := range map[string]string{
		"not json":         `{"statusCode":`,
		"no status code":   `{"printerMAC":"00:11:62:1a:2b:3c"}`,
		"bad code":         `{"statusCode":"2x0 OK"}`,
		"code no space":    `{"statusCode":"200OK"}`,
		"bad mac":          `{"statusCode":"200 OK","printerMAC":"00:11:62:1a:2b"}`,
		"mac not hex":      `{"statusCode":"200 OK","printerMAC":"00:11:62:1a:2b:zz"}`,
		"asb not hex":      `{"statusCode":"200 OK","status":"23 86 0g"}`,
		"asb bad header":   `{"statusCode":"200 OK","status":"00 86 00 00 00 00 00 00 00"}`,
		"asb too short":    `{"statusCode":"200 OK","status":"23 86 00"}`,
		"two objects":      `{"statusCode":"200 OK"}{}`,
		"control in token": `{"statusCode":"200 OK","jobToken":"a\u0007b"}`,
		"long token":       `{"statusCode":"200 OK","jobToken":"` + strings.Repeat("a", 300) + `"}`,
		"wrong type":       `{"statusCode":200}`,
		"action no name":   `{"statusCode":"200 OK","clientAction":[{"result":"x"}]}`,
		"huge":             `{"statusCode":"200 OK","x":"` + strings.Repeat("a", MaxPollBody) + `"}`,
	} {
		if _, err := ParsePoll([]byte(body)); !errors.Is(err, ErrBadRequest) {
			t.Errorf("%s: err %v, want ErrBadRequest", name, err)
		}
	}
}

func TestStatusCode(t *testing.T) {
	tests := []struct {
		in   string
		code Code
		text string
	}{
		{"200 OK", 200, "OK"},
		{"200%20OK", 200, "OK"},
		{"OK", 200, "OK"},
		{"ok", 200, "OK"},
		{"410", 410, ""},
		{"520 Download timeout", 520, "Download timeout"},
	}
	for _, tt := range tests {
		c, text, err := ParseStatusCode(tt.in)
		if err != nil || c != tt.code || text != tt.text {
			t.Errorf("%q: %d %q %v", tt.in, c, text, err)
		}
	}
}

func TestConfirmed(t *testing.T) {
	tests := []struct {
		code Code
		want Outcome
	}{
		{200, Printed}, {211, Printed}, {520, Retry}, {510, Failed}, {511, Failed}, {512, Failed},
		{521, Failed}, {410, Unknown}, {411, Unknown}, {420, Unknown}, {500, Unknown}, {300, Unknown},
	}
	for _, tt := range tests {
		got, reason := Confirmed(tt.code)
		if got != tt.want {
			t.Errorf("code %d: %v, want %v", tt.code, got, tt.want)
		}
		if got != Printed && reason == "" {
			t.Errorf("code %d: no reason", tt.code)
		}
	}
}

func TestQueries(t *testing.T) {
	j, err := ParseJobQuery("uid=a&mac=00%3A11%3A62%3A1A%3A2B%3A3C&type=application%2Fvnd.star.starprnt&token=t1")
	if err != nil || j.MAC != "00:11:62:1a:2b:3c" || j.Type != MediaStarPRNT || j.Token != "t1" || j.Delete {
		t.Errorf("job query %+v %v", j, err)
	}
	j, err = ParseJobQuery("mac=00:11:62:1a:2b:3c&code=200%20OK&delete")
	if err != nil || !j.Delete || j.Confirm.Code != 200 {
		t.Errorf("get-delete %+v %v", j, err)
	}
	c, err := ParseConfirmQuery("mac=00:11:62:1a:2b:3c&code=520&token=t1")
	if err != nil || c.Code != 520 || c.Token != "t1" {
		t.Errorf("confirm %+v %v", c, err)
	}
	for _, q := range []string{
		"mac=00:11:62:1a:2b:3c", // no type
		"type=text/plain",       // not served
		"type=image/png&type=image/png",
		"type=image/png&mac=nope",
		"type=image/png&token=%00",
		"%zz",
		"type=image/png&x=" + strings.Repeat("a", maxQuery),
	} {
		if _, err := ParseJobQuery(q); !errors.Is(err, ErrBadRequest) {
			t.Errorf("job query %q: %v", q, err)
		}
	}
	for _, q := range []string{"mac=00:11:62:1a:2b:3c", "code=abc", "code=200&code=200"} {
		if _, err := ParseConfirmQuery(q); !errors.Is(err, ErrBadRequest) {
			t.Errorf("confirm %q: %v", q, err)
		}
	}
}

func TestAnswerJSON(t *testing.T) {
	a := Answer{JobReady: true, MediaTypes: []MediaType{MediaStarPRNT, MediaPNG}, JobToken: "j1",
		ClientAction: []ActionRequest{{Request: ActionPageInfo}}}
	want := `{"jobReady":true,"mediaTypes":["application/vnd.star.starprnt","image/png"],"jobToken":"j1","clientAction":[{"request":"PageInfo","options":""}]}`
	if got := string(a.Marshal()); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if got := string(Answer{}.Marshal()); got != `{"jobReady":false}` {
		t.Errorf("empty answer %s", got)
	}
}

func FuzzParsePoll(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*.json")
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ParsePoll(b)
		if err != nil {
			if !errors.Is(err, ErrBadRequest) {
				t.Fatalf("error not ErrBadRequest: %v", err)
			}
			return
		}
		if p.MAC != "" {
			if m, err := NormalizeMAC(p.MAC); err != nil || m != p.MAC {
				t.Fatalf("MAC %q not normalised", p.MAC)
			}
		}
		_ = p.Status()
	})
}

func FuzzParseJobQuery(f *testing.F) {
	f.Add("uid=a&mac=00%3A11%3A62%3A1A%3A2B%3A3C&type=application%2Fvnd.star.starprnt&token=t1")
	f.Add("mac=00:11:62:1a:2b:3c&code=200%20OK&delete")
	f.Fuzz(func(t *testing.T, q string) {
		if _, err := ParseJobQuery(q); err != nil && !errors.Is(err, ErrBadRequest) {
			t.Fatalf("error not ErrBadRequest: %v", err)
		}
		if _, err := ParseConfirmQuery(q); err != nil && !errors.Is(err, ErrBadRequest) {
			t.Fatalf("error not ErrBadRequest: %v", err)
		}
	})
}
