package server

import (
	"encoding/hex"
	"net/http"
	"strings"
	"time"

	"github.com/secuprint/receipt/printers/station"
)

func (s *Server) previewJob(w http.ResponseWriter, r *http.Request) {
	if !sameOriginRead(w, r) {
		return
	}
	format := station.FormatPNG
	if strings.HasSuffix(r.URL.Path, ".html") {
		format = station.FormatHTML
	}
	j, err := s.spool.Get(r.PathValue("id"))
	if err != nil {
		writeError(w, "unknown_job", err.Error())
		return
	}
	w.Header().Set("Cache-Control", "private, max-age=86400, immutable")
	key := "job|" + j.ID + "|" + string(format)
	if c, ok := s.cache.get(key); ok {
		writeCached(w, c)
		return
	}
	b, err := s.spool.Bytes(j.ID)
	if err != nil {
		writeError(w, "unknown_job", err.Error())
		return
	}
	var p station.Preview
	if st, ok := s.byName[j.Printer]; ok {
		p, err = st.PreviewBytes(r.Context(), b, format)
	} else {
		p, err = station.PreviewUnconfigured(r.Context(), s.gate, b, format)
	}
	if err == nil && (p.Paper == nil || len(p.Paper.Tickets) == 0) {
		writeError(w, "empty", "the job prints nothing")
		return
	}
	if err != nil {
		s.log.Warn("preview", "err", err)
		writeFault(w, err)
		return
	}
	c := cached{ctype: p.ContentType, body: p.Body}
	s.cache.put(key, c.ctype, c.body)
	writeCached(w, c)
}

func (s *Server) render(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	format := station.Format(orDefault(q.Get("format"), "escpos"))
	switch format {
	case station.FormatPrinter, station.FormatText, station.FormatPNG, station.FormatHTML:
	default:
		writeError(w, "bad_format", "format is escpos, text, png or html")
		return
	}
	// ?printer=NAME previews as that printer prints: its model, layout and
	// template; ?model=ID a model's defaults.
	var st *station.Station
	which := orDefault(q.Get("model"), "default") // or "printer:NAME": no model ID has a colon
	if name := q.Get("printer"); name != "" {
		var ok bool
		if st, ok = s.byName[name]; !ok {
			writeError(w, "unknown_printer", "no printer named "+name)
			return
		}
		which = "printer:" + name
	} else {
		var err error
		if st, err = s.modelStation(which); err != nil {
			writeError(w, "unknown_model", err.Error())
			return
		}
	}
	tx, ok := readTransaction(w, r)
	if !ok {
		return
	}
	digest := tx.Digest()
	key := "render|" + string(format) + "|" + which + "|" + hex.EncodeToString(digest[:])
	if c, ok := s.cache.get(key); ok {
		writeCached(w, c)
		return
	}
	p, err := st.Preview(r.Context(), tx, station.PreviewOptions{Format: format})
	if err != nil {
		writeFault(w, err)
		return
	}
	c := cached{ctype: p.ContentType, body: p.Body}
	s.cache.put(key, c.ctype, c.body)
	writeCached(w, c)
}

// modelStation is the station of a model's defaults, for
// /v1/render?model=ID: no spool, no printer; made once per model, so its
// renderers stay warm.
func (s *Server) modelStation(model string) (*station.Station, error) {
	if st, ok := s.models.Load(model); ok {
		return st.(*station.Station), nil
	}
	st, err := station.New(station.Config{Name: "model:" + model, Model: model},
		station.Options{Gate: s.gate, Rendered: func(d time.Duration) { s.metrics.render.Observe(d.Seconds()) }})
	if err != nil {
		return nil, err
	}
	actual, _ := s.models.LoadOrStore(model, st)
	return actual.(*station.Station), nil
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}
