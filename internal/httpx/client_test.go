package httpx

import (
	"net/netip"
	"testing"
)

// TestProxiesClient: the client is the rightmost X-Forwarded-For address
// no trusted proxy holds; what a client writes to the left of it, or junk,
// never becomes its address, and a peer that is no trusted proxy is the
// client whatever it sends.
func TestProxiesClient(t *testing.T) {
	p, err := ParseProxies([]string{"10.0.0.0/8", "192.0.2.1", "fd00::/8"})
	if err != nil {
		t.Fatal(err)
	}
	proxy, stranger := netip.MustParseAddr("10.1.2.3"), netip.MustParseAddr("198.51.100.9")
	for _, tc := range []struct {
		name string
		peer netip.Addr
		xff  []string
		want string
	}{
		{"no header: the proxy itself", proxy, nil, "10.1.2.3"},
		{"empty header", proxy, []string{""}, "10.1.2.3"},
		{"one hop", proxy, []string{"203.0.113.7"}, "203.0.113.7"},
		{"client-written addresses on the left", proxy, []string{"1.1.1.1, 2.2.2.2, 203.0.113.7"}, "203.0.113.7"},
		{"past a second trusted proxy", proxy, []string{"1.1.1.1, 203.0.113.7, 192.0.2.1"}, "203.0.113.7"},
		{"lines joined in order", proxy, []string{"1.1.1.1", "203.0.113.7"}, "203.0.113.7"},
		{"with a port", proxy, []string{"203.0.113.7:4711"}, "203.0.113.7"},
		{"IPv6 and mapped IPv4", proxy, []string{"2001:db8::1, ::ffff:203.0.113.8"}, "203.0.113.8"},
		{"junk stops at the last trusted hop", proxy, []string{"203.0.113.7, not-an-ip"}, "10.1.2.3"},
		{"junk behind a trusted hop", proxy, []string{"203.0.113.7, bogus, 192.0.2.1"}, "192.0.2.1"},
		{"only trusted hops", proxy, []string{"10.9.9.9, 192.0.2.1"}, "10.9.9.9"},
		{"untrusted peer: header ignored", stranger, []string{"203.0.113.7"}, "198.51.100.9"},
		{"untrusted peer without header", stranger, nil, "198.51.100.9"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := p.Client(tc.peer, tc.xff); got != tc.want {
				t.Fatalf("client %q, want %q", got, tc.want)
			}
		})
	}
	var none *Proxies
	if got := none.Client(proxy, []string{"203.0.113.7"}); got != "10.1.2.3" {
		t.Fatalf("without proxies the client is %q, want the peer", got)
	}
	if _, err := ParseProxies([]string{"10.0.0.0/33"}); err == nil {
		t.Fatal("a bad CIDR was accepted")
	}
}
