package server

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/printers/spool"
)

type metrics struct {
	faults    *prometheus.CounterVec
	printTime prometheus.Histogram
	render    prometheus.Histogram
	ready     *prometheus.GaugeVec
	condition *prometheus.GaugeVec
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
