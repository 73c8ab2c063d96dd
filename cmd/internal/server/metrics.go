package server

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/printers/spool"
)

type metrics struct {
	accepted  *prometheus.CounterVec
	faults    *prometheus.CounterVec
	printTime *prometheus.HistogramVec
	render    prometheus.Histogram
	ready     *prometheus.GaugeVec
	condition *prometheus.GaugeVec
}

func newMetrics() metrics {
	return metrics{
		accepted: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "receiptd_jobs_accepted_total",
			Help: "New jobs stored, by printer and the entrance they came through (api, epos, cloudprnt, sdp, fleet)."}, []string{"printer", "source"}),
		printTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "receiptd_print_seconds",
			Help:    "Time from sending a job to its confirmation, by the entrance the job came through.",
			Buckets: prometheus.ExponentialBuckets(0.005, 2, 14)}, []string{"source"}),
		render: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "receiptd_render_seconds", Help: "Time to parse and render a transaction.",
			Buckets: prometheus.ExponentialBuckets(1e-6, 4, 10)}),
		ready: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "receiptd_printer_ready", Help: "1 when the printer's last status said ready."}, []string{"printer"}),
		condition: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "receiptd_printer_condition",
			Help: "1 when the printer's last status showed the condition; absent when the status could not be read."}, []string{"printer", "condition"}),
		faults: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "receiptd_worker_faults_total",
			Help: "Faults a printer's worker met and retried: kind store (the spool could not be written) or printer."}, []string{"printer", "kind"}),
	}
}

// status sets a printer's gauges from a status read (a printer busy with
// another host keeps its last ones: the station does not report it).
func (m metrics) status(printer string, st printers.Status, err error) {
	ready := 0.0
	if err == nil && st.Ready() {
		ready = 1
	}
	m.ready.WithLabelValues(printer).Set(ready)
	for _, c := range conditions {
		if err != nil {
			m.condition.DeleteLabelValues(printer, c.name) // unknown, not "no"
			continue
		}
		g := 0.0
		if c.of(st) {
			g = 1
		}
		m.condition.WithLabelValues(printer, c.name).Set(g)
	}
}

// conditions are the status bits the condition gauge shows.
var conditions = []struct {
	name string
	of   func(printers.Status) bool
}{
	{"online", func(s printers.Status) bool { return s.Online }},
	{"paper_end", func(s printers.Status) bool { return s.PaperEnd }},
	{"paper_near_end", func(s printers.Status) bool { return s.PaperNearEnd }},
	{"cover_open", func(s printers.Status) bool { return s.CoverOpen }},
	{"error", func(s printers.Status) bool { return s.Error }},
}

// jobsCollector reports the spool's jobs by printer and state at each
// scrape, from counts the spool keeps as states change.
type jobsCollector struct{ spool *spool.Spool }

var jobsDesc = prometheus.NewDesc("receiptd_jobs", "Jobs in the spool by printer and state.", []string{"printer", "state"}, nil)

func (jobsCollector) Describe(ch chan<- *prometheus.Desc) { ch <- jobsDesc }

func (c jobsCollector) Collect(ch chan<- prometheus.Metric) {
	counts, err := c.spool.Counts()
	if err != nil {
		ch <- prometheus.NewInvalidMetric(jobsDesc, err)
		return
	}
	for printer, states := range counts {
		for st, n := range states {
			m, err := prometheus.NewConstMetric(jobsDesc, prometheus.GaugeValue, float64(n), printer, string(st))
			if err != nil {
				m = prometheus.NewInvalidMetric(jobsDesc, err)
			}
			ch <- m
		}
	}
}

// quarantineCollector reports how many damaged job records the spool has
// set aside: each is a receipt a person must look at.
type quarantineCollector struct{ spool *spool.Spool }

var quarantineDesc = prometheus.NewDesc("receiptd_spool_quarantined", "Damaged job records set aside by the spool (see receiptd -check).", nil, nil)

func (quarantineCollector) Describe(ch chan<- *prometheus.Desc) { ch <- quarantineDesc }

func (c quarantineCollector) Collect(ch chan<- prometheus.Metric) {
	q, err := c.spool.Quarantined()
	if err != nil {
		ch <- prometheus.NewInvalidMetric(quarantineDesc, err)
		return
	}
	ch <- constMetric(quarantineDesc, prometheus.GaugeValue, float64(len(q)))
}

// constMetric is a collected value; a mismatch of labels, a bug, is an
// invalid metric in the scrape rather than a panic of the service.
func constMetric(d *prometheus.Desc, t prometheus.ValueType, v float64, labels ...string) prometheus.Metric {
	m, err := prometheus.NewConstMetric(d, t, v, labels...)
	if err != nil {
		return prometheus.NewInvalidMetric(d, err)
	}
	return m
}
