package fleet

// InboxPrefix is the inbox prefix a site's connection must use
// (nats.CustomInboxPrefix): its permissions let it receive replies only
// there, so it cannot read the replies, and the jobs, delivered to others.
func InboxPrefix(site string) string { return "_INBOX_" + site }

// SitePermissions are the subjects a site's NATS user may publish to and
// subscribe to: its own consumer on its own jobs, its own events, its own
// announcement, the cancel bucket, and its own control subject, where it
// answers the hubs' commands (its user also needs allow_responses:
// SiteAllowResponses); nothing of another site's jobs or commands.
// docs/fleet.md shows them as nats-server configuration.
func SitePermissions(site string) (publish, subscribe []string) {
	durable := SiteConsumer(site)
	publish = []string{
		// Its durable consumer, filtered to its own subjects, and pulling from it.
		"$JS.API.CONSUMER.CREATE." + JobsStream + "." + durable + "." + JobsSubject + "." + site + ".>",
		"$JS.API.CONSUMER.INFO." + JobsStream + "." + durable,
		"$JS.API.CONSUMER.MSG.NEXT." + JobsStream + "." + durable,
		"$JS.ACK." + JobsStream + "." + durable + ".>",
		// Its events.
		EventsSubject + "." + site + ".>",
		// Its announcement.
		"$JS.API.STREAM.INFO.KV_" + SitesBucket,
		"$KV." + SitesBucket + "." + site,
		// Cancels: its own keys, watched.
		"$JS.API.STREAM.INFO.KV_" + CancelsBucket,
		"$JS.API.CONSUMER.CREATE.KV_" + CancelsBucket + ".*.$KV." + CancelsBucket + "." + site + ".*",
		"$JS.API.CONSUMER.DELETE.KV_" + CancelsBucket + ".*",
		"$JS.FC.KV_" + CancelsBucket + ".>",
	}
	subscribe = []string{InboxPrefix(site) + ".>", ControlSubjectOf(site)}
	return publish, subscribe
}

// SiteAllowResponses: a site's user may publish one reply to each request
// it received (nats-server's allow_responses: true), and nowhere else:
// its answers to the hubs' commands on its control subject.
const SiteAllowResponses = true
