package printers_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/printers/virtual"
	"github.com/secuprint/receipt/printers/virtual/virtualtest"
	"github.com/secuprint/receipt/transport"
	"github.com/secuprint/receipt/transport/tcp"
	"github.com/secuprint/receipt/transport/transporttest"
)

// conversationFile is the recorded conversation of doc's golden job.
func conversationFile(doc string) string {
	return filepath.Join("..", "testdata", "golden", doc, "TM-T88V-42col.conversation.txt")
}

// record prints job on a virtual TM-T88V over a real TCP link and returns
// the link's conversation.
func record(t *testing.T, job []byte) transporttest.Conversation {
	prof, err := printers.Lookup("TM-T88V")
	require.NoError(t, err)
	_, address := virtualtest.TCP(t, virtual.Options{Profile: prof})
	a, err := transport.ParseAddress(address)
	require.NoError(t, err)
	var rec *transporttest.Record
	p := printers.NewConnPrinter(address, func(ctx context.Context) (transport.Conn, error) {
		c, err := tcp.Dial(ctx, a.TCP)
		if err != nil {
			return nil, err
		}
		rec = transporttest.NewRecord(c)
		return rec, nil
	}, printers.ConnOptions{})
	defer p.Close()
	res := p.Print(context.Background(), job)
	require.Equal(t, printers.OutcomePrinted, res.Outcome, res.String())
	return rec.Conversation()
}

// TestRecordedConversations plays the printer's side of conversations
// recorded with the virtual printer (-update records them again): the
// host says byte for byte what it said then, and each job is confirmed
// printed without a printer.
func TestRecordedConversations(t *testing.T) {
	for _, doc := range documented {
		t.Run(doc, func(t *testing.T) {
			job := golden(t, doc)
			path := conversationFile(doc)
			if *update {
				text, err := record(t, job).MarshalText()
				require.NoError(t, err)
				head := "# " + doc + " printed on a virtual TM-T88V over TCP: > host to printer, < printer to host (go test ./printers -update)\n"
				require.NoError(t, os.WriteFile(path, append([]byte(head), text...), 0o644))
			}
			text, err := os.ReadFile(path)
			require.NoError(t, err, "record it with: go test ./printers -run TestRecordedConversations -update")
			var conv transporttest.Conversation
			require.NoError(t, conv.UnmarshalText(text))

			pb := transporttest.NewPlayback("playback", conv)
			p := printers.NewConnPrinter("playback", func(context.Context) (transport.Conn, error) { return pb, nil }, printers.ConnOptions{})
			defer p.Close()
			res := p.Print(context.Background(), job)
			assert.Equal(t, printers.OutcomePrinted, res.Outcome, res.String())
			assert.Equal(t, len(job), res.Sent)
			assert.NoError(t, pb.Done())
		})
	}
}

// Another job than the recorded one is caught at its first differing byte.
func TestPlaybackCatchesAnotherJob(t *testing.T) {
	text, err := os.ReadFile(conversationFile("card-topup"))
	require.NoError(t, err)
	var conv transporttest.Conversation
	require.NoError(t, conv.UnmarshalText(text))
	other := golden(t, "cash-start")
	pb := transporttest.NewPlayback("playback", conv)
	p := printers.NewConnPrinter("playback", func(context.Context) (transport.Conn, error) { return pb, nil }, printers.ConnOptions{})
	defer p.Close()
	res := p.Print(context.Background(), other)
	assert.NotEqual(t, printers.OutcomePrinted, res.Outcome)
	err = pb.Done()
	assert.True(t, errors.Is(err, transporttest.ErrMismatch), "%v", err)
}
