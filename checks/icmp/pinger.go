package icmp

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"runtime"
	"time"

	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
)

// family holds what differs between ICMP for IPv4 and IPv6.
type family struct {
	udp, raw, any string
	proto         int
	echo, reply   icmp.Type
}

var (
	v4 = family{"udp4", "ip4:icmp", "0.0.0.0", 1, ipv4.ICMPTypeEcho, ipv4.ICMPTypeEchoReply}
	v6 = family{"udp6", "ip6:ipv6-icmp", "::", 58, ipv6.ICMPTypeEchoRequest, ipv6.ICMPTypeEchoReply}
)

// socketPinger pings through the operating system's ICMP sockets.
type socketPinger struct{}

// Ping sends p.Count echo requests p.Interval apart and collects replies
// until each has had p.Wait to come back or ctx ends.
func (socketPinger) Ping(ctx context.Context, dst netip.Addr, p Plan) (Replies, error) {
	fam := v4
	if dst.Is6() {
		fam = v6
	}
	conn, raw, err := listen(fam, p.Mode)
	if err != nil {
		return Replies{}, err
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	defer stop()

	var token [8]byte
	_, _ = rand.Read(token[:])
	id := int(binary.BigEndian.Uint16(token[:2]))
	to := net.Addr(&net.UDPAddr{IP: dst.AsSlice(), Zone: dst.Zone()})
	if raw {
		to = &net.IPAddr{IP: dst.AsSlice(), Zone: dst.Zone()}
	}
	replies := make(chan echoReply, p.Count)
	go receive(conn, fam, raw, dst, id, token[:], p.Count, replies)

	var sent []time.Time
	for seq := range p.Count {
		if seq > 0 && !pause(ctx, p.Interval) {
			break
		}
		if err := send(conn, fam, to, id, seq, token[:]); err != nil {
			return tallyWith(map[int]time.Duration{}, sent, p.Wait, time.Now(), replies), fmt.Errorf("sending echo request: %w", err)
		}
		sent = append(sent, time.Now())
	}
	got := map[int]time.Duration{}
	if len(sent) > 0 {
		wait := time.NewTimer(time.Until(sent[len(sent)-1].Add(p.Wait)))
		defer wait.Stop()
	collect:
		for len(got) < len(sent) {
			select {
			case r := <-replies:
				got[r.seq] = r.rtt
			case <-wait.C:
				break collect
			case <-ctx.Done():
				break collect
			}
		}
	}
	return tallyWith(got, sent, p.Wait, time.Now(), replies), nil
}

// echoReply is the first reply to one request.
type echoReply struct {
	seq int
	rtt time.Duration
}

// tallyWith counts every reply that arrived, including those still queued
// when the deadline won the race with them, and sets aside the requests
// whose wait had not elapsed at end: they are neither answered nor lost.
func tallyWith(got map[int]time.Duration, sent []time.Time, wait time.Duration, end time.Time, replies <-chan echoReply) Replies {
	for drained := false; !drained; {
		select {
		case r := <-replies:
			got[r.seq] = r.rtt
		default:
			drained = true
		}
	}
	rep := Replies{Sent: len(sent)}
	for seq, at := range sent {
		rtt, ok := got[seq]
		switch {
		case ok:
			rep.RTTs = append(rep.RTTs, rtt)
		case at.Add(wait).After(end):
			rep.Pending++
		}
	}
	return rep
}

// listen opens an unprivileged ICMP socket, or a raw one where allowed.
func listen(fam family, mode string) (*icmp.PacketConn, bool, error) {
	if mode != ModePrivileged && runtime.GOOS != "windows" {
		c, err := icmp.ListenPacket(fam.udp, fam.any)
		if err == nil {
			return c, false, nil
		}
		if mode == ModeUnprivileged || !errors.Is(err, os.ErrPermission) {
			return nil, false, permission(err)
		}
	}
	c, err := icmp.ListenPacket(fam.raw, fam.any)
	if err != nil {
		return nil, true, permission(err)
	}
	return c, true, nil
}

func permission(err error) error {
	if errors.Is(err, os.ErrPermission) {
		return fmt.Errorf("%w: %w", ErrPermission, err)
	}
	return fmt.Errorf("opening an ICMP socket: %w", err)
}

func pause(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// send writes one echo request whose data carries the send time and token.
func send(conn *icmp.PacketConn, fam family, to net.Addr, id, seq int, token []byte) error {
	data := binary.BigEndian.AppendUint64(append([]byte(nil), token...), uint64(time.Now().UnixNano()))
	msg := icmp.Message{Type: fam.echo, Body: &icmp.Echo{ID: id, Seq: seq, Data: data}}
	b, err := msg.Marshal(nil)
	if err != nil {
		return err
	}
	_, err = conn.WriteTo(b, to)
	return err
}

// receive reports the round trip of each first reply to one of our
// requests until the socket is closed. A raw socket sees every ICMP packet
// of the host, so it also checks the sender and the echo ID; for an
// unprivileged socket the kernel does both.
func receive(conn *icmp.PacketConn, fam family, raw bool, dst netip.Addr, id int, token []byte, count int, out chan<- echoReply) {
	seen := map[int]bool{}
	buf := make([]byte, 1500)
	for {
		n, from, err := conn.ReadFrom(buf)
		if err != nil {
			return
		}
		now := time.Now()
		msg, err := icmp.ParseMessage(fam.proto, buf[:n])
		if err != nil || msg.Type != fam.reply {
			continue
		}
		echo, ok := msg.Body.(*icmp.Echo)
		if !ok || len(echo.Data) < len(token)+8 || !bytes.Equal(echo.Data[:len(token)], token) || seen[echo.Seq] || echo.Seq >= count {
			continue
		}
		if raw && (echo.ID != id || !sameHost(from, dst)) {
			continue
		}
		seen[echo.Seq] = true
		sent := int64(binary.BigEndian.Uint64(echo.Data[len(token):]))
		// out holds one reply per request and seen lets only the first
		// through, so this never blocks.
		out <- echoReply{seq: echo.Seq, rtt: now.Sub(time.Unix(0, sent))}
	}
}

func sameHost(from net.Addr, dst netip.Addr) bool {
	var ip net.IP
	switch a := from.(type) {
	case *net.IPAddr:
		ip = a.IP
	case *net.UDPAddr:
		ip = a.IP
	}
	got, ok := netip.AddrFromSlice(ip)
	return ok && got.Unmap() == dst
}
