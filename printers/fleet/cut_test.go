package fleet

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// cutter is a TCP proxy on loopback in front of one NATS node: cut drops
// every connection through it and refuses new ones until mend.
type cutter struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	cut    bool
	conns  []net.Conn
}

func newCutter(t *testing.T, target string) *cutter {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := &cutter{ln: ln, target: target}
	t.Cleanup(func() { ln.Close(); c.drop() })
	go func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			c.mu.Lock()
			if c.cut {
				c.mu.Unlock()
				in.Close()
				continue
			}
			out, err := net.Dial("tcp", target)
			if err != nil {
				c.mu.Unlock()
				in.Close()
				continue
			}
			c.conns = append(c.conns, in, out)
			c.mu.Unlock()
			go func() { _, _ = io.Copy(out, in); out.Close() }()
			go func() { _, _ = io.Copy(in, out); in.Close() }()
		}
	}()
	return c
}

func (c *cutter) drop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, conn := range c.conns {
		conn.Close()
	}
	c.conns = nil
}

func (c *cutter) setCut(cut bool) {
	c.mu.Lock()
	c.cut = cut
	c.mu.Unlock()
	if cut {
		c.drop()
	}
}

// A site's connection is cut during load and comes back (the process
// keeps running, its client reconnects): every job prints once, in order.
// The cut lasts RECEIPT_FLEET_CUT seconds (2 by default; the 30
// with RECEIPT_FLEET_CUT=30).
func TestSiteConnectionCut(t *testing.T) {
	cutFor := 2 * time.Second
	if v, _ := strconv.Atoi(os.Getenv("RECEIPT_FLEET_CUT")); v > 0 {
		cutFor = time.Duration(v) * time.Second
	}
	f := startFleet(t, HubOptions{}, map[string][]string{})
	proxy := newCutter(t, f.c.URLs()[0][len("nats://"):])
	nc, err := nats.Connect("nats://"+proxy.ln.Addr().String(), nats.MaxReconnects(-1), nats.ReconnectWait(100*time.Millisecond),
		nats.IgnoreDiscoveredServers())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, _ := jetstream.New(nc)
	local := newFakeLocal("p1")
	f.locals["A"] = local
	s, err := NewSite(f.ctx, js, SiteOptions{Site: "A", Local: local, Heartbeat: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	local.attach(s)
	if err := s.Announce(f.ctx); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(f.ctx)
	var wg sync.WaitGroup
	wg.Go(func() { _ = s.Run(ctx) })
	t.Cleanup(func() { cancel(); wg.Wait() })
	var ids []string
	for i := range 60 {
		if i == 20 {
			proxy.setCut(true)
			time.AfterFunc(cutFor, func() { proxy.setCut(false) })
		}
		ids = append(ids, f.submit("A", "p1", fmt.Sprint("cut", i), i).Job.ID)
		time.Sleep(cutFor / 20) // the submissions span the cut
	}
	f.exact(ids, f.waitFinal(ids, 30*time.Second+cutFor))
	if got := local.order["p1"]; fmt.Sprint(got) != fmt.Sprint(ids) {
		t.Errorf("printed %v, want %v", got, ids)
	}
}
