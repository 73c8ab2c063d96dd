package printers

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/secuprint/receipt/escpos"
	"github.com/secuprint/receipt/escpos/star"
	"github.com/secuprint/receipt/transport"
)

// ErrNoAnswer is wrapped by DetectStar when the printer answers neither
// Star's nor Epson's status request.
var ErrNoAnswer = errors.New("printers: no answer to Star's or Epson's status request")

// DetectStar tells a Star printer in a Star language from an ESC/POS one
// over c: a Star printer answers ESC ACK SOH with an automatic status and
// ignores DLE EOT; an ESC/POS printer ignores ESC ACK SOH and answers
// DLE EOT 1 with a status byte. Each request may take timeout. It cannot
// tell StarPRNT from Star Line Mode (the profile says which).
func DetectStar(ctx context.Context, c transport.Conn, timeout time.Duration) (bool, error) {
	asb, err := detectStar(ctx, c, timeout)
	return asb != nil, err
}

// detectStar is DetectStar that also returns a Star's ASB (nil: ESC/POS).
func detectStar(ctx context.Context, c transport.Conn, timeout time.Duration) (*star.ASB, error) {
	r := &starReader{c: c}
	if asb, err := r.ask(ctx, timeout); err == nil {
		return &asb, nil
	} else if !errors.Is(err, transport.ErrTimeout) {
		return nil, fmt.Errorf("printers: detect: %w", err)
	}
	if err := c.SetWriteDeadline(time.Now().Add(timeout)); err != nil {
		return nil, err
	}
	req, _ := escpos.AppendStatusRequest(nil, escpos.StatusPrinter) // in range
	if _, err := c.Write(req); err != nil {
		return nil, fmt.Errorf("printers: detect: %w", err)
	}
	dl := time.Now().Add(timeout)
	buf := make([]byte, 16)
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := c.SetReadDeadline(dl); err != nil {
			return nil, err
		}
		n, err := c.Read(buf)
		for _, b := range buf[:n] {
			if escpos.IsRealtimeStatus(b) {
				return nil, nil
			}
		}
		if err != nil {
			if errors.Is(err, transport.ErrTimeout) {
				return nil, ErrNoAnswer
			}
			return nil, fmt.Errorf("printers: detect: %w", err)
		}
	}
}
