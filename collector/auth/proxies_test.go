package auth

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
)

func TestTheClientBehindATrustedProxyIsTheAddressItForwarded(t *testing.T) {
	proxies, err := ParseProxies([]string{"10.0.0.0/8", "192.0.2.1", " 2001:db8::/32 "})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, peer string
		xff        []string
		want       string
	}{
		{"a request without a proxy is its peer's", "198.51.100.7:4711", nil, "198.51.100.7"},
		{"an untrusted peer's header is not believed", "198.51.100.7:4711", []string{"203.0.113.9"}, "198.51.100.7"},
		{"a trusted proxy's header names the client", "192.0.2.1:4711", []string{"203.0.113.9"}, "203.0.113.9"},
		{"what the client wrote itself is left of what the proxy appended", "192.0.2.1:4711", []string{"127.0.0.1, 203.0.113.9"}, "203.0.113.9"},
		{"trusted hops are walked past", "10.1.2.3:80", []string{"203.0.113.9, 10.9.9.9, 192.0.2.1"}, "203.0.113.9"},
		{"several header lines are one list", "10.1.2.3:80", []string{"1.1.1.1", "203.0.113.9", "10.9.9.9"}, "203.0.113.9"},
		{"when every hop is trusted the first is the client", "10.1.2.3:80", []string{"10.7.7.7, 10.8.8.8"}, "10.7.7.7"},
		{"a trusted proxy without a header is the client", "10.1.2.3:80", nil, "10.1.2.3"},
		{"an entry with a port", "10.1.2.3:80", []string{"203.0.113.9:5555"}, "203.0.113.9"},
		{"IPv6 through an IPv6 proxy", "[2001:db8::1]:443", []string{"[2001:db8:ffff::9]:1, 2a00:1450::5"}, "2a00:1450::5"},
		{"an IPv4 peer written as IPv6", "[::ffff:192.0.2.1]:4711", []string{"203.0.113.9"}, "203.0.113.9"},
		{"garbage stops the walk at the last good hop", "10.1.2.3:80", []string{"203.0.113.9, not-an-address, 10.9.9.9"}, "10.9.9.9"},
		{"garbage right after the proxy: the proxy's own", "192.0.2.1:4711", []string{"203.0.113.9, unknown"}, "192.0.2.1"},
		{"an empty entry is garbage", "192.0.2.1:4711", []string{"203.0.113.9,"}, "192.0.2.1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.RemoteAddr = c.peer
			for _, v := range c.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := proxies.Client(r); got != c.want {
				t.Errorf("client %q, want %q", got, c.want)
			}
			if got := (Proxies{}).Client(r); got != hostOf(c.peer) {
				t.Errorf("trusting nobody: client %q, want the peer %q", got, hostOf(c.peer))
			}
		})
	}
}

func TestProxiesThatAreNotAddressesAreRefusedByName(t *testing.T) {
	for _, bad := range []string{"10.0.0.0/33", "haproxy.internal", "", "10.0.0.1-10.0.0.9"} {
		_, err := ParseProxies([]string{"10.0.0.1", bad})
		if err == nil || !strings.Contains(err.Error(), "must be an IP address or a network") || !strings.Contains(err.Error(), `"`+bad+`"`) {
			t.Errorf("ParseProxies(%q): %v, want an error naming it", bad, err)
		}
	}
}

func TestTheProxiesHandlerShowsTheClientToWhatIsBehindIt(t *testing.T) {
	proxies, _ := ParseProxies([]string{"192.0.2.1"})
	var seen string
	h := proxies.Handler(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { seen = r.RemoteAddr }))
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.RemoteAddr = "192.0.2.1:4711"
	r.Header.Set("X-Forwarded-For", "203.0.113.9")
	h.ServeHTTP(httptest.NewRecorder(), r)
	if seen != "203.0.113.9:0" {
		t.Errorf("behind the handler RemoteAddr is %q, want the client's", seen)
	}
	if r.RemoteAddr != "192.0.2.1:4711" {
		t.Errorf("the caller's request was changed: RemoteAddr %q", r.RemoteAddr)
	}
}

// FuzzClient: whatever the header says, the client is the peer or an
// address the header names, never one a trusted proxy is when an
// untrusted one was named to its right, and never a panic.
func FuzzClient(f *testing.F) {
	for _, seed := range []string{"203.0.113.9", "127.0.0.1, 203.0.113.9", "203.0.113.9, 10.9.9.9, 192.0.2.1", "[2001:db8::9]:1, 2a00:1450::5",
		"203.0.113.9:5555", "unknown", "203.0.113.9,", " , ,", "fe80::1%eth0", "::ffff:10.0.0.1", "1.2.3.4,5.6.7.8,,9.9.9.9"} {
		f.Add("10.1.2.3:80", seed)
		f.Add("198.51.100.7:1", seed)
	}
	proxies, _ := ParseProxies([]string{"10.0.0.0/8", "192.0.2.1", "2001:db8::/32"})
	f.Fuzz(func(t *testing.T, peer, xff string) {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = peer
		r.Header.Set("X-Forwarded-For", xff)
		got := proxies.Client(r)
		if got == hostOf(peer) {
			return
		}
		a, err := netip.ParseAddr(got)
		if err != nil {
			t.Fatalf("client %q from peer %q, header %q: neither the peer nor an address", got, peer, xff)
		}
		named := false
		for _, e := range forwardedFor([]string{xff}) {
			if h, ok := parseHop(e); ok && h == a {
				named = true
			}
		}
		if !named {
			t.Fatalf("client %q from peer %q, header %q: not named in the header", got, peer, xff)
		}
	})
}
