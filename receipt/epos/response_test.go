package epos_test

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/receipt/epos"
)

func TestAnswer(t *testing.T) {
	online := epos.Printer{Known: true, Online: true}
	for _, tc := range []struct {
		name    string
		o       epos.Outcome
		p       epos.Printer
		success bool
		code    epos.Code
		status  uint32
	}{
		{"printed", epos.OutcomePrinted, online, true, "", epos.StatusPrintSuccess},
		{"printed-near-end-drawer", epos.OutcomePrinted, epos.Printer{Known: true, Online: true, PaperNearEnd: true, DrawerOpen: true}, true, "",
			epos.StatusPrintSuccess | epos.StatusReceiptNearEnd | epos.StatusDrawerKick},
		{"printed-no-status-link", epos.OutcomePrinted, epos.Printer{}, true, "", epos.StatusPrintSuccess},
		{"paper-end", epos.OutcomeFailed, epos.Printer{Known: true, PaperEnd: true}, false, epos.CodeRecEmpty, epos.StatusOffline | epos.StatusReceiptEnd},
		{"cover-open", epos.OutcomeFailed, epos.Printer{Known: true, CoverOpen: true}, false, epos.CodeCoverOpen, epos.StatusOffline | epos.StatusCoverOpen},
		{"cutter", epos.OutcomeFailed, epos.Printer{Known: true, AutocutterError: true}, false, epos.CodeCutter, epos.StatusOffline | epos.StatusAutocutterErr},
		{"mechanical", epos.OutcomeFailed, epos.Printer{Known: true, Recoverable: true}, false, epos.CodeMechanical, epos.StatusOffline | epos.StatusMechanicalErr},
		{"automatical", epos.OutcomeFailed, epos.Printer{Known: true, AutoRecoverable: true}, false, epos.CodeAutomatical, epos.StatusOffline | epos.StatusAutoRecoverErr},
		{"unrecoverable", epos.OutcomeFailed, epos.Printer{Known: true, Unrecoverable: true}, false, epos.CodeUnrecoverable, epos.StatusOffline | epos.StatusUnrecoverErr},
		{"offline", epos.OutcomeFailed, epos.Printer{Known: true}, false, epos.CodeBadPort, epos.StatusOffline},
		{"unreachable", epos.OutcomeFailed, epos.Printer{}, false, epos.CodeBadPort, epos.StatusNoResponse},
		{"failed-online", epos.OutcomeFailed, online, false, epos.CodePrintSystemError, 0},
		{"unknown", epos.OutcomeUnknown, online, false, epos.CodePrintSystemError, 0},
		{"timeout", epos.OutcomeTimeout, epos.Printer{Known: true, Online: true, Stopped: true}, false, epos.CodeTimeout, epos.StatusSpoolerStopped},
		{"schema", epos.OutcomeSchemaError, online, false, epos.CodeSchemaError, 0},
		{"too-large", epos.OutcomeTooLarge, online, false, epos.CodeTooLarge, 0},
		{"no-device", epos.OutcomeNoDevice, epos.Printer{}, false, epos.CodeDeviceNotFound, epos.StatusNoResponse},
		{"queue-full", epos.OutcomeQueueFull, online, false, epos.CodeSpooler, 0},
		{"too-many", epos.OutcomeTooManyRequests, online, false, epos.CodeTooManyRequests, 0},
		{"system", epos.OutcomeSystemError, online, false, epos.CodePrintSystemError, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := epos.Answer(tc.o, tc.p)
			require.Equal(t, tc.success, r.Success)
			require.Equal(t, tc.code, r.Code)
			require.Equal(t, tc.status, r.Status, "%#x", r.Status)
			require.False(t, !r.Success && r.Status&epos.StatusPrintSuccess != 0, "a failure must not say printed")
		})
	}
}

func TestAppendResponse(t *testing.T) {
	r := epos.Response{Success: false, Code: epos.CodeRecEmpty, Status: 0x80008, Battery: 0}
	require.Equal(t, `<response success="false" code="EPTR_REC_EMPTY" status="524296" battery="0" xmlns="http://www.epson-pos.com/schemas/2011/03/epos-print"/>`,
		string(epos.AppendResponse(nil, r, false)))
	r = epos.Response{Success: true, Status: 2, PrintJobID: `a<"&>'`}
	env := epos.AppendResponse(nil, r, true)
	require.Equal(t, `<?xml version="1.0" encoding="utf-8"?>`+"\n"+`<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>`+
		`<response success="true" code="" status="2" battery="0" xmlns="http://www.epson-pos.com/schemas/2011/03/epos-print">`+
		`<printjobid>a&lt;&quot;&amp;&gt;&apos;</printjobid></response></s:Body></s:Envelope>`, string(env))
	got, isEnv, err := epos.ParseResponse(bytes.NewReader(env))
	require.NoError(t, err)
	require.True(t, isEnv)
	require.Equal(t, r, got)
	_, _, err = epos.ParseResponse(bytes.NewReader([]byte(`<x/>`)))
	require.Error(t, err)
	_, _, err = epos.ParseResponse(bytes.NewReader([]byte(`<response status="x"/>`)))
	require.Error(t, err)
}
