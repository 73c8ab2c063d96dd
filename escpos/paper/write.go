package paper

import (
	"fmt"
	"image/png"
	"io"
)

// Format is how Write shows tickets.
type Format uint8

const (
	FormatText Format = iota // each ticket's Text, one after the other
	FormatPNG                // every ticket in one image (Strip)
	FormatHTML               // one page: each ticket as image and styled text
)

var formatNames = [...]string{"text", "png", "html"}

func (f Format) Valid() bool { return int(f) < len(formatNames) }

func (f Format) String() string {
	if f.Valid() {
		return formatNames[f]
	}
	return fmt.Sprintf("Format(%d)", uint8(f))
}

// ParseFormat reads "text", "png" or "html".
func ParseFormat(s string) (Format, error) {
	for i, n := range formatNames {
		if s == n {
			return Format(i), nil
		}
	}
	return 0, fmt.Errorf("paper: unknown format %q (want text, png or html)", s)
}

// Write shows tickets in format f; title names an HTML page. A PNG holds
// every ticket, one below the other with a dashed line where the knife cut
// (Strip), so a job cut into several tickets previews whole; one ticket is
// exactly its own Ticket.PNG.
func Write(w io.Writer, f Format, title string, tickets []*Ticket) error {
	switch f {
	case FormatText:
		for _, t := range tickets {
			if _, err := io.WriteString(w, t.Text()); err != nil {
				return fmt.Errorf("paper: %w", err)
			}
		}
		return nil
	case FormatPNG:
		enc := png.Encoder{CompressionLevel: png.DefaultCompression}
		if err := enc.Encode(w, Strip(tickets)); err != nil {
			return fmt.Errorf("paper: %w", err)
		}
		return nil
	case FormatHTML:
		return HTML(w, title, tickets)
	}
	return fmt.Errorf("paper: %v out of range", f)
}
