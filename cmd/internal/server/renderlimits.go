package server

import (
	"bytes"
	"container/list"
	"context"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/secuprint/receipt/escpos/paper"
)

// A render of a 1 MiB transaction as PNG or HTML costs some 60 MB while it
// runs: renders are bounded, and repeated ones (the page showing a job's
// preview again) come from a small cache.

// renderWait is how long a render waits for a slot before the answer is
// 503: a page loading a few previews at once waits, a flood does not
// pile up.
const renderWait = 2 * time.Second

// renderGate bounds renders in progress; a bounded number more may wait.
type renderGate struct {
	slots    chan struct{}
	waiting  atomic.Int64
	maxWait  int64
	rejected atomic.Int64 // answers 503
}

// newRenderGate allows n renders at once (0: one per CPU, at least 2) and
// 4n waiting. Renders are CPU-bound: more at once would finish no sooner
// and hold more memory.
func newRenderGate(n int) *renderGate {
	if n <= 0 {
		n = max(2, runtime.GOMAXPROCS(0))
	}
	return &renderGate{slots: make(chan struct{}, n), maxWait: int64(4 * n)}
}

// enter takes a slot, or answers 503 with Retry-After and returns false.
func (g *renderGate) enter(ctx context.Context, w http.ResponseWriter) bool {
	select {
	case g.slots <- struct{}{}:
		return true
	default:
	}
	if g.waiting.Add(1) > g.maxWait {
		g.waiting.Add(-1)
		return g.busy(w)
	}
	defer g.waiting.Add(-1)
	t := time.NewTimer(renderWait)
	defer t.Stop()
	select {
	case g.slots <- struct{}{}:
		return true
	case <-t.C:
	case <-ctx.Done():
	}
	return g.busy(w)
}

func (g *renderGate) leave() { <-g.slots }

func (g *renderGate) busy(w http.ResponseWriter) bool {
	g.rejected.Add(1)
	w.Header().Set("Retry-After", "1")
	writeError(w, http.StatusServiceUnavailable, "render_busy", "too many renders at once: retry in a second", nil)
	return false
}

// renderCache keeps recent render results (by job id or receipt digest,
// with format and model) up to a byte budget, least recently used out
// first. A job's bytes never change, nor does a receipt's rendering.
type renderCache struct {
	mu     sync.Mutex
	max    int // bytes
	size   int
	order  *list.List // of *cached, most recent first
	byKey  map[string]*list.Element
	hits   atomic.Int64
	misses atomic.Int64
}

type cached struct {
	key, ctype string
	body       []byte
}

// Budget: a handful of big previews, hundreds of usual ones.
const (
	renderCacheBytes = 16 << 20
	renderCacheEntry = 2 << 20 // larger results are not kept
)

func newRenderCache(max int) *renderCache {
	return &renderCache{max: max, order: list.New(), byKey: map[string]*list.Element{}}
}

func (c *renderCache) get(key string) (cached, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.byKey[key]
	if !ok {
		c.misses.Add(1)
		return cached{}, false
	}
	c.hits.Add(1)
	c.order.MoveToFront(e)
	return *e.Value.(*cached), true
}

func (c *renderCache) put(key, ctype string, body []byte) {
	if len(body) > renderCacheEntry || len(body) > c.max {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.byKey[key]; ok {
		c.order.MoveToFront(e)
		return
	}
	c.byKey[key] = c.order.PushFront(&cached{key: key, ctype: ctype, body: body})
	c.size += len(body)
	for c.size > c.max {
		last := c.order.Back()
		old := c.order.Remove(last).(*cached)
		delete(c.byKey, old.key)
		c.size -= len(old.body)
	}
}

// writeCached answers with a render result.
func writeCached(w http.ResponseWriter, r cached) {
	w.Header().Set("Content-Type", r.ctype)
	_, _ = w.Write(r.body) // a hung-up client is not our error
}

// renderBuffers hold a PNG or HTML render before it is cached and sent.
var renderBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// sameOriginRead refuses a read that a page of another site makes: an
// <img> from any origin may GET a preview (CrossOriginProtection guards
// only changes), which costs a render and shows the receipt's size.
// Browsers say where a request comes from in Sec-Fetch-Site; a client that
// is no browser sends none.
func sameOriginRead(w http.ResponseWriter, r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "", "same-origin", "none":
		return true
	}
	writeError(w, http.StatusForbidden, "cross_origin", "a web page from another origin may not read previews", nil)
	return false
}

// encodeTickets renders tickets as a PNG (every ticket, the cuts marked) or
// an HTML page (paper.Write).
func encodeTickets(format string, tickets []*paper.Ticket) (cached, error) {
	buf := renderBuffers.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= renderCacheEntry { // not the rare huge one
			renderBuffers.Put(buf)
		}
	}()
	buf.Reset()
	c, f := cached{ctype: "image/png"}, paper.FormatPNG // every ticket, the cuts marked
	if format == "html" {
		c.ctype, f = "text/html; charset=utf-8", paper.FormatHTML
	}
	err := paper.Write(buf, f, "receipt", tickets)
	c.body = bytes.Clone(buf.Bytes()) // the buffer goes back to the pool; the cache keeps this
	return c, err
}

// renderCollector shows the gate and the cache in /metrics: renders turned
// away say the bound is too tight (or someone floods), cache hits that the
// page's previews cost nothing.
type renderCollector struct {
	gate  *renderGate
	cache *renderCache
}

var (
	renderRejectedDesc = prometheus.NewDesc("receiptd_render_rejected_total", "Renders and previews answered 503: too many at once.", nil, nil)
	renderRunningDesc  = prometheus.NewDesc("receiptd_renders_running", "Renders and previews in progress.", nil, nil)
	renderCacheDesc    = prometheus.NewDesc("receiptd_render_cache_total", "Render and preview cache lookups by result.", []string{"result"}, nil)
)

func (renderCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- renderRejectedDesc
	ch <- renderRunningDesc
	ch <- renderCacheDesc
}

func (c renderCollector) Collect(ch chan<- prometheus.Metric) {
	ch <- constMetric(renderRejectedDesc, prometheus.CounterValue, float64(c.gate.rejected.Load()))
	ch <- constMetric(renderRunningDesc, prometheus.GaugeValue, float64(len(c.gate.slots)))
	ch <- constMetric(renderCacheDesc, prometheus.CounterValue, float64(c.cache.hits.Load()), "hit")
	ch <- constMetric(renderCacheDesc, prometheus.CounterValue, float64(c.cache.misses.Load()), "miss")
}
