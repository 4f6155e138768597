package httpx

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// Proxies are the reverse proxies whose X-Forwarded-For a server believes.
// fiber's own proxy support hands back the header as the client sent it (or
// its leftmost address), which a client writes itself: rotating it would
// make every per-address limit count a new client each time. Proxies
// instead takes the rightmost address that no trusted proxy holds, the one
// the nearest trusted proxy saw connect.
type Proxies struct{ nets []netip.Prefix }

// ParseProxies reads CIDRs (or single addresses) of trusted proxies.
func ParseProxies(cidrs []string) (*Proxies, error) {
	p := &Proxies{}
	for _, c := range cidrs {
		pre, err := netip.ParsePrefix(c)
		if err != nil {
			a, aerr := netip.ParseAddr(c)
			if aerr != nil {
				return nil, fmt.Errorf("not a CIDR or an address: %q", c)
			}
			pre = netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen())
		}
		p.nets = append(p.nets, pre.Masked())
	}
	return p, nil
}

func (p *Proxies) trusted(a netip.Addr) bool {
	a = a.Unmap()
	for _, n := range p.nets {
		if n.Contains(a) {
			return true
		}
	}
	return false
}

// Client is the client address of a request that came from peer carrying
// the X-Forwarded-For values xff (every header line, in order). From a
// peer that is no trusted proxy, or without the header, it is the peer.
// Otherwise it walks the header from the right past trusted proxies and
// takes the first address that is none; an entry that is no address stops
// the walk at the last trusted hop, so junk never becomes a client key.
func (p *Proxies) Client(peer netip.Addr, xff []string) string {
	peer = peer.Unmap()
	if p == nil || !p.trusted(peer) {
		return peer.String()
	}
	var hops []string
	for _, line := range xff {
		for _, h := range strings.Split(line, ",") {
			hops = append(hops, strings.TrimSpace(h))
		}
	}
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		a, ok := parseHop(hops[i])
		if !ok {
			break
		}
		client = a
		if !p.trusted(a) {
			break
		}
	}
	return client.String()
}

// parseHop reads one X-Forwarded-For entry: an address, maybe with a port.
func parseHop(h string) (netip.Addr, bool) {
	if a, err := netip.ParseAddr(h); err == nil && a.Zone() == "" {
		return a.Unmap(), true
	}
	if ap, err := netip.ParseAddrPort(h); err == nil && ap.Addr().Zone() == "" {
		return ap.Addr().Unmap(), true
	}
	return netip.Addr{}, false
}

// clientLocal is where Proxies.Handler leaves a request's client address.
type clientLocal struct{}

// Handler is middleware that finds the request's client address once, for
// ClientAddr.
func (p *Proxies) Handler(c *fiber.Ctx) error {
	var xff []string
	for _, v := range c.Request().Header.PeekAll(fiber.HeaderXForwardedFor) {
		xff = append(xff, string(v))
	}
	peer, _ := netip.AddrFromSlice(c.Context().RemoteIP())
	c.Locals(clientLocal{}, p.Client(peer, xff))
	return c.Next()
}

// ClientAddr is the address every per-client limit of a server counts: what
// Proxies.Handler found, or the connection's peer on a server without it.
// Never c.IP() of an app configured with a proxy header, which is the
// client's own word.
func ClientAddr(c *fiber.Ctx) string {
	if a, ok := c.Locals(clientLocal{}).(string); ok {
		return a
	}
	return c.Context().RemoteIP().String()
}
