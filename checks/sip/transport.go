package sip

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"time"
)

// conn carries one run's transactions to the server.
type conn interface {
	// roundTrip sends req (retransmitting over UDP) until a final
	// response matching it arrives or ctx ends.
	roundTrip(ctx context.Context, req *request) (*response, error)
	// local is this end's address for Via and Contact.
	local() string
	Close() error
}

// dial resolves the server and opens the transport.
func (c *Check) dial(ctx context.Context) (conn, error) {
	ip, err := c.resolve(ctx)
	if err != nil {
		return nil, err
	}
	addr := net.JoinHostPort(ip.String(), c.port)
	if c.transport == "udp" {
		return dialUDP(addr, c.t1)
	}
	d := &net.Dialer{}
	var nc net.Conn
	if c.transport == "tls" {
		nc, err = (&tls.Dialer{NetDialer: d, Config: c.tls}).DialContext(ctx, "tcp", addr)
	} else {
		nc, err = d.DialContext(ctx, "tcp", addr)
	}
	if err != nil {
		return nil, err
	}
	return &streamConn{c: nc, r: bufio.NewReaderSize(nc, 8192)}, nil
}

func (c *Check) resolve(ctx context.Context) (netip.Addr, error) {
	if ip, err := netip.ParseAddr(c.host); err == nil {
		return ip, nil
	}
	ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", c.host)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("%w: %w", errResolve, err)
	}
	return ips[0].Unmap(), nil
}

var errResolve = errors.New("cannot resolve the server's name")

// udpConn is an unconnected UDP socket: a server may answer from another
// port than it listens on, and responses are matched by Via branch.
type udpConn struct {
	pc     *net.UDPConn
	server *net.UDPAddr
	t1     time.Duration
}

func dialUDP(addr string, t1 time.Duration) (*udpConn, error) {
	server, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		return nil, err
	}
	// A connected socket tells which local address routes to the server
	// (no packet is sent); the real socket binds to it for Via.
	probe, err := net.DialUDP("udp", nil, server)
	if err != nil {
		return nil, err
	}
	localIP := probe.LocalAddr().(*net.UDPAddr).IP
	_ = probe.Close()
	pc, err := net.ListenUDP("udp", &net.UDPAddr{IP: localIP})
	if err != nil {
		return nil, err
	}
	return &udpConn{pc: pc, server: server, t1: t1}, nil
}

func (u *udpConn) local() string { return u.pc.LocalAddr().String() }
func (u *udpConn) Close() error  { return u.pc.Close() }

// roundTrip retransmits per RFC 3261 17.1.2: after T1, doubling up to T2,
// until a final response or the end of ctx.
func (u *udpConn) roundTrip(ctx context.Context, req *request) (*response, error) {
	stop := context.AfterFunc(ctx, func() { _ = u.pc.SetReadDeadline(time.Now()) })
	defer stop()
	msg := req.bytes()
	buf := make([]byte, maxMessage)
	for interval := u.t1; ; interval = min(2*interval, t2) {
		if _, err := u.pc.WriteToUDP(msg, u.server); err != nil {
			return nil, err
		}
		resp, err := u.await(ctx, req, buf, time.Now().Add(interval))
		if resp != nil || err != nil {
			return resp, err
		}
	}
}

// await reads until a final response to req, the retransmission time (nil,
// nil) or the end of ctx.
func (u *udpConn) await(ctx context.Context, req *request, buf []byte, next time.Time) (*response, error) {
	deadline := next
	if d, ok := ctx.Deadline(); ok && d.Before(next) {
		deadline = d
	}
	for {
		_ = u.pc.SetReadDeadline(deadline)
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		n, _, err := u.pc.ReadFromUDP(buf)
		switch {
		case errors.Is(err, os.ErrDeadlineExceeded) && ctx.Err() != nil:
			return nil, ctx.Err()
		case errors.Is(err, os.ErrDeadlineExceeded):
			return nil, nil
		case err != nil:
			return nil, err
		}
		resp, err := readResponse(bufio.NewReader(bytes.NewReader(buf[:n])))
		if err != nil || !resp.matches(req) || resp.code < 200 {
			continue // stray datagrams and provisional answers
		}
		return resp, nil
	}
}

// streamConn is a TCP or TLS connection.
type streamConn struct {
	c net.Conn
	r *bufio.Reader
}

func (s *streamConn) local() string { return s.c.LocalAddr().String() }
func (s *streamConn) Close() error  { return s.c.Close() }

func (s *streamConn) roundTrip(ctx context.Context, req *request) (*response, error) {
	stop := context.AfterFunc(ctx, func() { _ = s.c.SetDeadline(time.Now()) })
	defer stop()
	if _, err := s.c.Write(req.bytes()); err != nil {
		return nil, ctxOr(ctx, err)
	}
	for {
		resp, err := readResponse(s.r)
		if err != nil {
			return nil, ctxOr(ctx, err)
		}
		if resp.matches(req) && resp.code >= 200 {
			return resp, nil
		}
	}
}

// ctxOr prefers the context's error: a deadline set to unblock I/O is the
// context ending, not a network fault.
func ctxOr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}
