// Package fleet carries receipts from central hubs to the shops' printers
// over NATS JetStream: a hub validates a transaction and publishes it as
// a job on a replicated work-queue stream; the shop's site takes it from
// its own durable consumer, stores it in its local spool first and only
// then acknowledges it, and reports every state change back on an events
// stream that the hubs fold into a replicated key-value bucket. Any hub
// answers any request; the hubs keep no state but NATS.
//
// The site reaches its printers through Local, the seam to the station
// and spool of the receiptd it runs in.
package fleet
