package auth

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Proxies are the reverse proxies and load balancers in front of the
// collector whose X-Forwarded-For header it believes. Behind a proxy every
// request comes from the proxy's address, so the per-address limits on
// logins and enrollment would count every client as one (a few dozen bad
// logins anywhere, and nobody could log in); with the proxy trusted, a
// request's client is the address the proxies say they received it from.
// A header from any other peer is ignored: a client cannot choose its own
// address. The zero Proxies trusts nobody.
type Proxies struct{ nets []netip.Prefix }

// ParseProxies reads addresses ("10.0.0.7", "2001:db8::7") and networks
// ("10.0.0.0/8"); the error names the first entry that is neither.
func ParseProxies(list []string) (Proxies, error) {
	var p Proxies
	for _, s := range list {
		n, err := parsePrefix(strings.TrimSpace(s))
		if err != nil {
			return Proxies{}, fmt.Errorf("%q: must be an IP address or a network in CIDR notation (10.0.0.0/8)", s)
		}
		p.nets = append(p.nets, n)
	}
	return p, nil
}

func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		n, err := netip.ParsePrefix(s)
		return n.Masked(), err
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// trusts reports whether a is one of the proxies.
func (p Proxies) trusts(a netip.Addr) bool {
	a = a.Unmap()
	for _, n := range p.nets {
		if n.Contains(a) {
			return true
		}
	}
	return false
}

// Client is the address r came from, without its port. From a trusted
// proxy it is the last address its X-Forwarded-For headers name that is
// not itself a trusted proxy (each proxy appends the address it received
// the request from; what the client wrote itself is further left, and
// not believed), or the first one when every hop is trusted. A header
// with an entry that is not an address stops the walk there: the request
// is then counted as the proxy's own.
func (p Proxies) Client(r *http.Request) string {
	peer := hostOf(r.RemoteAddr)
	if len(p.nets) == 0 {
		return peer
	}
	a, err := netip.ParseAddr(peer)
	if err != nil || !p.trusts(a) {
		return peer
	}
	hops := forwardedFor(r.Header.Values("X-Forwarded-For"))
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		h, ok := parseHop(hops[i])
		if !ok {
			return client
		}
		client = h.String()
		if !p.trusts(h) {
			return client
		}
	}
	return client
}

// Handler passes requests on to h with RemoteAddr set to their Client
// (port 0), so that every limit and log behind it sees the client. It is
// h itself when no proxy is trusted.
func (p Proxies) Handler(h http.Handler) http.Handler {
	if len(p.nets) == 0 {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c := p.Client(r); c != hostOf(r.RemoteAddr) {
			r2 := *r
			r2.RemoteAddr = net.JoinHostPort(c, "0")
			r = &r2
		}
		h.ServeHTTP(w, r)
	})
}

// hostOf is addr ("host:port") without its port.
func hostOf(addr string) string {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	return host
}

// forwardedFor splits X-Forwarded-For header lines into their entries, in
// order (several lines are one list, as if joined by commas).
func forwardedFor(lines []string) []string {
	var out []string
	for _, l := range lines {
		for e := range strings.SplitSeq(l, ",") {
			out = append(out, strings.TrimSpace(e))
		}
	}
	return out
}

// parseHop reads one X-Forwarded-For entry: an address, perhaps with a
// port ("192.0.2.7:4711", "[2001:db8::7]:4711"), as some proxies write it.
func parseHop(s string) (netip.Addr, bool) {
	if a, err := netip.ParseAddr(s); err == nil && a.Zone() == "" {
		return a.Unmap(), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil && ap.Addr().Zone() == "" {
		return ap.Addr().Unmap(), true
	}
	return netip.Addr{}, false
}
