// Package events publishes every accepted change to NATS JetStream: the
// event payload and subjects, the embedded NATS server, and the relay that
// copies the journal to the CPR_EVENTS stream exactly once, in order, across
// crashes of the register or of NATS.
//
// Subjects are cpr.events.<kommunekode>.<kind> and never hold a pnr. The
// payload is JSON (event.schema.json), with the event id as Nats-Msg-Id and
// the register sequence in the Cpr-Seq header.
package events
