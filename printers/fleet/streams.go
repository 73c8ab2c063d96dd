package fleet

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// The streams, subjects and buckets a hub creates or updates on start
// (docs/fleet.md describes each).
const (
	// JobsStream holds jobs until their site has stored them: subjects
	// receipt.jobs.<site>.<printer>, work-queue retention (a message goes
	// once the site acknowledges it), deduplicated by Nats-Msg-Id = job id.
	JobsStream  = "RECEIPT_JOBS"
	JobsSubject = "receipt.jobs"
	// EventsStream holds the sites' reports of job state changes until a
	// hub has folded them into JobsBucket: subjects
	// receipt.events.<site>.job, work-queue retention.
	EventsStream  = "RECEIPT_EVENTS"
	EventsSubject = "receipt.events"
	// JobsBucket: job id → Record, the state every hub answers with.
	JobsBucket = "receipt_jobs"
	// SitesBucket: site → SiteInfo, each site's announcement and heartbeat.
	SitesBucket = "receipt_sites"
	// CancelsBucket: <site>.<job id> → the time a cancel was asked.
	CancelsBucket = "receipt_cancels"
	// HubConsumer is the durable consumer all hubs share on EventsStream.
	HubConsumer = "hubs"
)

// Limits of the streams and buckets.
const (
	// DedupWindow is how long JetStream remembers a job id to drop a
	// second publication; past it the site's spool key drops it.
	DedupWindow = 2 * time.Hour
	// Retention bounds how long a job waits for an absent site, how long
	// events wait for a hub and how long job states stay readable.
	Retention = 7 * 24 * time.Hour
	// MaxJobBytes bounds one job message (the local API's body limit).
	MaxJobBytes = 1 << 20
	// MaxStreamBytes bounds each stream's store; a full stream refuses
	// new jobs (503) rather than dropping old ones.
	MaxStreamBytes = 1 << 30
)

// ensureBucket creates a bucket, or updates an existing one's limits in
// place. The jobs and cancels buckets are read through their stream's
// leader (direct gets off): a direct get may be answered by a replica
// that has not yet applied the last write, so a job just recorded could
// read as missing and a cancel just asked could be missed by the site.
// An existing bucket is not passed through CreateOrUpdateKeyValue, which
// would turn direct gets on again for a moment, long enough for another
// hub starting then to bind to them for good.
func ensureBucket(ctx context.Context, js jetstream.JetStream, cfg jetstream.KeyValueConfig) error {
	leader := cfg.Bucket != SitesBucket
	name := "KV_" + cfg.Bucket
	st, err := js.Stream(ctx, name)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		if _, err := js.CreateKeyValue(ctx, cfg); err != nil && !errors.Is(err, jetstream.ErrBucketExists) {
			return fmt.Errorf("fleet: bucket %s: %w", cfg.Bucket, err)
		}
		if st, err = js.Stream(ctx, name); err != nil {
			return fmt.Errorf("fleet: bucket %s: %w", cfg.Bucket, err)
		}
	} else if err != nil {
		return fmt.Errorf("fleet: bucket %s: %w", cfg.Bucket, err)
	}
	sc := st.CachedInfo().Config
	want := sc
	want.Description, want.Replicas, want.MaxAge, want.MaxMsgSize = cfg.Description, cfg.Replicas, cfg.TTL, cfg.MaxValueSize
	if leader {
		want.AllowDirect = false
	}
	if want.Description == sc.Description && want.Replicas == sc.Replicas && want.MaxAge == sc.MaxAge &&
		want.MaxMsgSize == sc.MaxMsgSize && want.AllowDirect == sc.AllowDirect {
		return nil
	}
	if _, err := js.UpdateStream(ctx, want); err != nil {
		return fmt.Errorf("fleet: bucket %s: %w", cfg.Bucket, err)
	}
	return nil
}

// SiteConsumer is the name of site's durable consumer on JobsStream.
func SiteConsumer(site string) string { return "site_" + site }

// JobSubject is the subject of a job for printer at site.
func JobSubject(site, printer string) string { return JobsSubject + "." + site + "." + printer }

// EventSubject is the subject site reports its job states on.
func EventSubject(site string) string { return EventsSubject + "." + site + ".job" }

// nameRE is what a site or printer name may be: one subject token.
var nameRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// ValidName reports whether s can name a site or a printer in the fleet
// (letters, digits, '-' and '_', at most 64: one NATS subject token).
func ValidName(s string) bool { return nameRE.MatchString(s) }

// Ensure creates or updates the fleet's streams and buckets with the
// given number of replicas (3 in production: survives one node).
func Ensure(ctx context.Context, js jetstream.JetStream, replicas int) error {
	streams := []jetstream.StreamConfig{{
		Name:        JobsStream,
		Description: "receipt jobs from the hubs to the sites",
		Subjects:    []string{JobsSubject + ".>"},
		Retention:   jetstream.WorkQueuePolicy,
		Storage:     jetstream.FileStorage,
		Replicas:    replicas,
		Duplicates:  DedupWindow,
		MaxAge:      Retention,
		MaxBytes:    MaxStreamBytes,
		MaxMsgSize:  MaxJobBytes,
		Discard:     jetstream.DiscardNew,
	}, {
		Name:        EventsStream,
		Description: "job state changes from the sites to the hubs",
		Subjects:    []string{EventsSubject + ".>"},
		Retention:   jetstream.WorkQueuePolicy,
		Storage:     jetstream.FileStorage,
		Replicas:    replicas,
		MaxAge:      Retention,
		MaxBytes:    MaxStreamBytes,
		MaxMsgSize:  64 << 10,
		Discard:     jetstream.DiscardNew,
	}}
	for _, cfg := range streams {
		if _, err := js.CreateOrUpdateStream(ctx, cfg); err != nil {
			return fmt.Errorf("fleet: stream %s: %w", cfg.Name, err)
		}
	}
	buckets := []jetstream.KeyValueConfig{
		{Bucket: JobsBucket, Description: "job id → state as its site reported it", History: 1, TTL: Retention, Replicas: replicas, Storage: jetstream.FileStorage, MaxValueSize: 64 << 10},
		{Bucket: SitesBucket, Description: "site → announcement and heartbeat", History: 1, Replicas: replicas, Storage: jetstream.FileStorage, MaxValueSize: 64 << 10},
		{Bucket: CancelsBucket, Description: "<site>.<job id> → cancel asked at", History: 1, TTL: Retention, Replicas: replicas, Storage: jetstream.FileStorage, MaxValueSize: 1 << 10},
	}
	for _, cfg := range buckets {
		if err := ensureBucket(ctx, js, cfg); err != nil {
			return err
		}
	}
	_, err := js.CreateOrUpdateConsumer(ctx, EventsStream, jetstream.ConsumerConfig{
		Durable:       HubConsumer,
		Description:   "the hubs fold site events into " + JobsBucket,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       30 * time.Second,
		MaxAckPending: 1024,
	})
	if err != nil {
		return fmt.Errorf("fleet: consumer %s: %w", HubConsumer, err)
	}
	return nil
}
