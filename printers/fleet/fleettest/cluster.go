// Package fleettest starts a real NATS JetStream cluster in the test's
// process, on loopback, as nats-server's own tests do: each node a
// server.Server with cluster routes to the others and its own store
// directory, so a test can kill and restart single nodes. Only tests
// import it: the binaries never link nats-server.
package fleettest

import (
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// Cluster is a JetStream cluster of len(Nodes) servers on 127.0.0.1.
type Cluster struct {
	t           testing.TB
	Name        string
	Nodes       []*Node
	users       []*server.User
	syncAlways  bool
	noAdvertise bool
}

// Node is one server of a Cluster; its ports and store survive a restart.
type Node struct {
	Name        string
	Port        int // client port
	ClusterPort int
	StoreDir    string
	Server      *server.Server // nil while stopped
}

// Options shape a cluster.
type Options struct {
	Nodes int // 3 when 0
	// Users, when set, are the only accounts' users allowed in (with
	// their permissions); nil lets anyone in.
	Users []*server.User
	// SyncAlways fsyncs every write (sync_interval: always), to measure
	// its cost.
	SyncAlways bool
	// NoAdvertise keeps the nodes from telling clients the other nodes'
	// addresses: a client reaches only the URLs it was given (a site
	// behind a Proxy stays behind it when the proxy cuts).
	NoAdvertise bool
}

// Start starts a cluster and waits until JetStream has a meta leader.
// It is shut down when the test ends.
func Start(t testing.TB, opt Options) *Cluster {
	t.Helper()
	if opt.Nodes == 0 {
		opt.Nodes = 3
	}
	c := &Cluster{t: t, Name: "receipt-test", users: opt.Users, syncAlways: opt.SyncAlways, noAdvertise: opt.NoAdvertise}
	dir := t.TempDir()
	// Every port is held until all are chosen: a port closed at once may
	// be handed out again by the next Listen, and two nodes sharing one
	// never get ready.
	var held []net.Listener
	port := func() int {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("fleettest: free port: %v", err)
		}
		held = append(held, l)
		return l.Addr().(*net.TCPAddr).Port
	}
	for i := range opt.Nodes {
		c.Nodes = append(c.Nodes, &Node{
			Name:        "n" + strconv.Itoa(i+1),
			Port:        port(),
			ClusterPort: port(),
			StoreDir:    filepath.Join(dir, "n"+strconv.Itoa(i+1)),
		})
	}
	for _, l := range held {
		l.Close()
	}
	t.Cleanup(c.Shutdown)
	for i := range c.Nodes {
		c.Restart(i)
	}
	c.WaitMetaLeader(30 * time.Second)
	return c
}

func (c *Cluster) options(n *Node) *server.Options {
	var routes []*url.URL
	for _, o := range c.Nodes {
		if o != n {
			routes = append(routes, &url.URL{Scheme: "nats", Host: "127.0.0.1:" + strconv.Itoa(o.ClusterPort)})
		}
	}
	return &server.Options{
		ServerName: n.Name,
		Host:       "127.0.0.1",
		Port:       n.Port,
		NoLog:      true,
		NoSigs:     true,
		JetStream:  true,
		StoreDir:   n.StoreDir,
		// Small limits: tests share a small box.
		JetStreamMaxMemory: 64 << 20,
		JetStreamMaxStore:  8 << 30, // a limit, not an allocation
		Users:              c.users,
		SyncAlways:         c.syncAlways,
		Cluster: server.ClusterOpts{
			Name: c.Name,
			Host: "127.0.0.1",
			Port: n.ClusterPort,
			// Clients still learn nothing of the others' client URLs.
			NoAdvertise: c.noAdvertise,
		},
		Routes: routes,
	}
}

// Restart starts node i (again), with its old ports and store.
func (c *Cluster) Restart(i int) {
	c.t.Helper()
	n := c.Nodes[i]
	if n.Server != nil {
		return
	}
	s, err := server.NewServer(c.options(n))
	if err != nil {
		c.t.Fatalf("fleettest: node %s: %v", n.Name, err)
	}
	go s.Start()
	if !s.ReadyForConnections(20 * time.Second) {
		s.Shutdown()
		c.t.Fatalf("fleettest: node %s not ready", n.Name)
	}
	n.Server = s
}

// Kill stops node i abruptly (its store stays for Restart).
func (c *Cluster) Kill(i int) {
	n := c.Nodes[i]
	if n.Server == nil {
		return
	}
	n.Server.Shutdown()
	n.Server.WaitForShutdown()
	n.Server = nil
}

// Shutdown stops every node.
func (c *Cluster) Shutdown() {
	for i := range c.Nodes {
		c.Kill(i)
	}
}

// URLs are the client URLs of all nodes, running or not, as a client's
// server list.
func (c *Cluster) URLs() []string {
	var u []string
	for _, n := range c.Nodes {
		u = append(u, "nats://127.0.0.1:"+strconv.Itoa(n.Port))
	}
	return u
}

// URL is URLs joined with commas (nats.Connect's form).
func (c *Cluster) URL() string { return strings.Join(c.URLs(), ",") }

// WaitMetaLeader waits until the JetStream meta leader sees every
// running node as a usable peer (replicated streams can be placed).
func (c *Cluster) WaitMetaLeader(d time.Duration) {
	c.t.Helper()
	running := 0
	for _, n := range c.Nodes {
		if n.Server != nil {
			running++
		}
	}
	end := time.Now().Add(d)
	for time.Now().Before(end) {
		for _, n := range c.Nodes {
			if n.Server != nil && n.Server.JetStreamIsLeader() && len(n.Server.JetStreamClusterPeers()) >= running {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	c.t.Fatalf("fleettest: no JetStream meta leader after %v", d)
}

// String names the nodes and which run.
func (c *Cluster) String() string {
	var b strings.Builder
	for _, n := range c.Nodes {
		fmt.Fprintf(&b, "%s:%d up=%v ", n.Name, n.Port, n.Server != nil)
	}
	return b.String()
}
