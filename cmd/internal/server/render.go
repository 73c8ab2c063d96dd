package server

import (
	"encoding/hex"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/secuprint/receipt/escpos"
	"github.com/secuprint/receipt/escpos/paper"
	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/receipt"
)

func (s *Server) previewJob(w http.ResponseWriter, r *http.Request) {
	if !sameOriginRead(w, r) {
		return
	}
	format := "png"
	if strings.HasSuffix(r.URL.Path, ".html") {
		format = "html"
	}
	j, err := s.spool.Get(r.PathValue("id"))
	if err != nil {
		writeError(w, http.StatusNotFound, "unknown_job", err.Error(), nil)
		return
	}
	w.Header().Set("Cache-Control", "private, max-age=86400, immutable")
	key := "job|" + j.ID + "|" + format
	if !s.renderSlot(w, r, key) {
		return
	}
	defer s.gate.leave()
	b, err := s.spool.Bytes(j.ID)
	if err != nil {
		writeError(w, http.StatusNotFound, "unknown_job", err.Error(), nil)
		return
	}
	var prof *escpos.Profile
	if p, ok := s.byName[j.Printer]; ok {
		prof = p.profile
		if !prof.SpeaksStar() {
			// A logo printed by key previews as the printer holds it.
			b = append(s.logos.previewDefines(p.Name), b...)
		}
	}
	res := receipt.Preview(b, prof, paper.Options{})
	if len(res.Tickets) == 0 {
		writeError(w, http.StatusNotFound, "empty", "the job prints nothing", nil)
		return
	}
	c, err := encodeTickets(format, res.Tickets)
	if err != nil {
		s.log.Warn("preview", "err", err)
		writeError(w, http.StatusInternalServerError, "render_failed", err.Error(), nil)
		return
	}
	s.cache.put(key, c.ctype, c.body)
	writeCached(w, c)
}

func (s *Server) render(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	format := orDefault(q.Get("format"), "escpos")
	switch format {
	case "escpos", "text", "png", "html":
	default:
		writeError(w, http.StatusBadRequest, "bad_format", "format is escpos, text, png or html", nil)
		return
	}
	// ?printer=NAME previews as that printer prints: its model, layout and
	// template; ?model=ID a model's defaults.
	opt := receipt.Options{EndCut: escpos.CutPartial}
	model := orDefault(q.Get("model"), "default")
	if name := q.Get("printer"); name != "" {
		p, ok := s.byName[name]
		if !ok {
			writeError(w, http.StatusNotFound, "unknown_printer", "no printer named "+name, nil)
			return
		}
		opt, model = p.opt, "printer:"+name
		opt.Logos = receipt.LogoRaster // a preview shows the picture itself
		opt.Profile = p.profile
	} else {
		prof, err := printers.Lookup(model)
		if err != nil {
			writeError(w, http.StatusBadRequest, "unknown_model", err.Error(), nil)
			return
		}
		opt.Profile = prof
	}
	tx, ok := readTransaction(w, r)
	if !ok {
		return
	}
	digest := tx.Digest()
	key := "render|" + format + "|" + model + "|" + hex.EncodeToString(digest[:])
	if !s.renderSlot(w, r, key) {
		return
	}
	defer s.gate.leave()
	pool, _ := s.previews.LoadOrStore(model, &sync.Pool{})
	rd, _ := pool.(*sync.Pool).Get().(*receipt.Renderer)
	if rd == nil {
		var err error
		if rd, err = receipt.NewRenderer(opt); err != nil {
			writeError(w, http.StatusBadRequest, "bad_options", err.Error(), nil)
			return
		}
	}
	defer pool.(*sync.Pool).Put(rd)
	// The bytes are the printer's language (the renderer decides); a
	// picture is the paper those bytes print (receipt.Preview).
	start := time.Now()
	var out []byte
	var res *paper.Result
	var err error
	if format == "png" || format == "html" {
		res, _, err = rd.PreviewTransaction(tx, paper.Options{})
	} else {
		out, _, err = rd.RenderTransaction(nil, tx)
	}
	s.metrics.render.Observe(time.Since(start).Seconds())
	if err != nil {
		writeDocumentError(w, err)
		return
	}
	c := cached{ctype: "application/vnd.escpos", body: out}
	switch format {
	case "text":
		text, _, err := rd.TextTransaction(nil, tx) // its report repeats Render's
		if err != nil {
			writeDocumentError(w, err)
			return
		}
		c = cached{ctype: "text/plain; charset=utf-8", body: text}
	case "png", "html":
		if c, err = encodeTickets(format, res.Tickets); err != nil {
			writeError(w, http.StatusInternalServerError, "render_failed", err.Error(), nil)
			return
		}
	}
	s.cache.put(key, c.ctype, c.body)
	writeCached(w, c)
}

// renderSlot answers from the cache when it holds key, else waits for a
// render slot (or answers 503 render_busy); true means: render now, and
// leave the gate when done.
func (s *Server) renderSlot(w http.ResponseWriter, r *http.Request, key string) bool {
	if c, ok := s.cache.get(key); ok {
		writeCached(w, c)
		return false
	}
	return s.gate.enter(r.Context(), w)
}
