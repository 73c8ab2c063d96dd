package fleet

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// lostAcks is a JetStream whose async publications get no answer, but
// every third: acks lost with a stream leader that stopped.
type lostAcks struct {
	jetstream.JetStream
	n int
}

type future struct {
	ok  chan *jetstream.PubAck
	err chan error
}

func (f future) Ok() <-chan *jetstream.PubAck { return f.ok }
func (f future) Err() <-chan error            { return f.err }
func (f future) Msg() *nats.Msg               { return nil }

func (l *lostAcks) PublishAsync(string, []byte, ...jetstream.PublishOpt) (jetstream.PubAckFuture, error) {
	l.n++
	f := future{ok: make(chan *jetstream.PubAck, 1), err: make(chan error, 1)}
	if l.n%3 == 0 {
		f.ok <- &jetstream.PubAck{}
	}
	return f, nil
}

// A batch whose acks never come fails them after one wait and returns:
// waiting on the spent timer for the second hung the site's reports for
// good (TestFleetSoakBinary caught it after a node stop).
func TestPublishBatchAcksLost(t *testing.T) {
	defer func(d time.Duration) { publishWait = d }(publishWait)
	publishWait = 50 * time.Millisecond
	s := &Site{js: &lostAcks{}, opt: SiteOptions{Site: "A", Local: newFakeLocal("p1"), Log: slog.New(slog.DiscardHandler)}}
	batch := []Change{{ID: "a"}, {ID: "b"}, {ID: "c"}, {ID: "d"}, {ID: "e"}}
	done := make(chan []Change, 1)
	go func() { done <- s.publishBatch(context.Background(), batch) }()
	select {
	case failed := <-done:
		var ids []string
		for _, ch := range failed {
			ids = append(ids, ch.ID)
		}
		if fmt.Sprint(ids) != "[a b d e]" {
			t.Errorf("failed %v, want [a b d e] (c was acked)", ids)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("publishBatch hung on acks that never come")
	}
}
