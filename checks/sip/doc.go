// Package sip checks a VoIP phone line: it sends SIP OPTIONS to the branch's
// PBX or session border controller over UDP, TCP or TLS and observes the
// round-trip time, and optionally registers a monitoring extension with
// digest authentication (RFC 2617/7616, MD5 or SHA-256) and unregisters it
// straight away (Expires: 0).
//
// The SIP messages are written and parsed here, without a SIP library: the
// check needs a handful of headers, one transaction at a time, and the
// retransmission of RFC 3261 timer T1 over UDP.
package sip
