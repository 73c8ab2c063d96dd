package fleettest

import (
	"io"
	"net"
	"sync"
	"testing"
)

// Proxy is a TCP proxy on loopback in front of NATS nodes, one listener
// per node: Cut drops every connection through it and refuses new ones
// until Mend, as an uplink that goes away. A client that should only
// reach the cluster through it must not learn the nodes' own addresses:
// start the cluster with NoAdvertise (or connect with
// nats.IgnoreDiscoveredServers).
type Proxy struct {
	lns   []net.Listener
	mu    sync.Mutex
	cut   bool
	conns []net.Conn
}

// NewProxy listens for each of targets (host:port or nats://host:port)
// until the test ends.
func NewProxy(t testing.TB, targets ...string) *Proxy {
	t.Helper()
	p := &Proxy{}
	for _, target := range targets {
		if len(target) > len("nats://") && target[:len("nats://")] == "nats://" {
			target = target[len("nats://"):]
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("fleettest: proxy: %v", err)
		}
		p.lns = append(p.lns, ln)
		go p.serve(ln, target)
	}
	t.Cleanup(func() {
		for _, ln := range p.lns {
			ln.Close()
		}
		p.drop()
	})
	return p
}

func (p *Proxy) serve(ln net.Listener, target string) {
	for {
		in, err := ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		if p.cut {
			p.mu.Unlock()
			in.Close()
			continue
		}
		out, err := net.Dial("tcp", target)
		if err != nil {
			p.mu.Unlock()
			in.Close()
			continue
		}
		p.conns = append(p.conns, in, out)
		p.mu.Unlock()
		go func() { _, _ = io.Copy(out, in); out.Close() }()
		go func() { _, _ = io.Copy(in, out); in.Close() }()
	}
}

// URLs are the proxy's client URLs, one per target, in order.
func (p *Proxy) URLs() []string {
	var u []string
	for _, ln := range p.lns {
		u = append(u, "nats://"+ln.Addr().String())
	}
	return u
}

func (p *Proxy) drop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, conn := range p.conns {
		conn.Close()
	}
	p.conns = nil
}

// Cut drops every connection and refuses new ones until Mend.
func (p *Proxy) Cut() {
	p.mu.Lock()
	p.cut = true
	p.mu.Unlock()
	p.drop()
}

// Mend lets connections through again.
func (p *Proxy) Mend() {
	p.mu.Lock()
	p.cut = false
	p.mu.Unlock()
}
