package server

import (
	"container/list"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/secuprint/receipt/printers/station"
)

// Renders are bounded by the stations' gate (station.Gate); repeated ones
// (the page showing a job's preview again) come from a small cache.

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
	writeError(w, "cross_origin", "a web page from another origin may not read previews")
	return false
}

// renderCollector shows the gate and the cache in /metrics: renders turned
// away say the bound is too tight (or someone floods), cache hits that the
// page's previews cost nothing.
type renderCollector struct {
	gate  *station.Gate
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
	ch <- constMetric(renderRejectedDesc, prometheus.CounterValue, float64(c.gate.Rejected()))
	ch <- constMetric(renderRunningDesc, prometheus.GaugeValue, float64(c.gate.Running()))
	ch <- constMetric(renderCacheDesc, prometheus.CounterValue, float64(c.cache.hits.Load()), "hit")
	ch <- constMetric(renderCacheDesc, prometheus.CounterValue, float64(c.cache.misses.Load()), "miss")
}
