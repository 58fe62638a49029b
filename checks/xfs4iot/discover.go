package xfs4iot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/branchready/branchready/checks"
)

// attemptTimeout bounds one port of the discovery, so that a filtered port
// does not eat the whole check's deadline.
const attemptTimeout = 2 * time.Second

// service is one published service.
type service struct {
	name string // last segment of its URI, e.g. CashDispenser
	uri  string
}

// discover finds the publisher and the services it lists.
func (c *Check) discover(ctx context.Context) ([]service, checks.Outcome, bool) {
	sess, port, err := c.connectPublisher(ctx)
	if err != nil {
		return nil, checks.Fail("%s: no XFS4IoT service publisher at %s (%s): %s", c.label, c.host, c.portsTried(), reason(ctx, err)), false
	}
	defer sess.sock.CloseNow()
	payload, err := sess.call(ctx, "ServicePublisher.GetServices")
	if err != nil {
		return nil, checks.Fail("%s: the service publisher on port %d did not list its services: %s", c.label, port, reason(ctx, err)), false
	}
	var p struct {
		Services []struct {
			ServiceURI string `json:"serviceURI"`
		} `json:"services"`
	}
	if err := json.Unmarshal(payload, &p); err != nil {
		return nil, checks.Fail("%s: the service publisher sent an invalid service list: %v", c.label, err), false
	}
	var all []service
	for _, s := range p.Services {
		if u, err := url.Parse(s.ServiceURI); err == nil && u.Host != "" {
			all = append(all, service{name: path.Base(u.Path), uri: s.ServiceURI})
		}
	}
	return c.pick(all)
}

// pick keeps the configured services, failing when one is not published.
func (c *Check) pick(all []service) ([]service, checks.Outcome, bool) {
	if len(all) == 0 {
		return nil, checks.Fail("%s: the service publisher lists no services", c.label), false
	}
	if len(c.services) == 0 {
		return all, checks.Outcome{}, true
	}
	var out []service
	for _, s := range all {
		if c.services[strings.ToLower(s.name)] {
			out = append(out, s)
		}
	}
	for want := range c.services {
		if !slices.ContainsFunc(out, func(s service) bool { return strings.ToLower(s.name) == want }) {
			return nil, checks.Fail("%s: service %s is not published (has %s)", c.label, c.spelled[want], names(all)), false
		}
	}
	return out, checks.Outcome{}, true
}

func names(ss []service) string {
	var n []string
	for _, s := range ss {
		n = append(n, humanName(s.name))
	}
	return strings.Join(n, ", ")
}

// connectPublisher tries the last port that worked, then each candidate.
func (c *Check) connectPublisher(ctx context.Context) (*session, int, error) {
	ports := c.ports
	if last := int(c.found.Load()); last != 0 && len(ports) > 1 {
		ports = append([]int{last}, slices.DeleteFunc(slices.Clone(ports), func(p int) bool { return p == last })...)
	}
	var firstErr error
	for _, port := range ports {
		attempt, cancel := context.WithTimeout(ctx, attemptTimeout)
		sock, err := c.dial(attempt, c.publisherURL(port))
		cancel()
		if err == nil {
			c.found.Store(int64(port))
			return &session{sock: sock}, port, nil
		}
		if firstErr == nil || !isRefused(err) {
			firstErr = err
		}
		if ctx.Err() != nil {
			break
		}
	}
	return nil, 0, firstErr
}

func (c *Check) publisherURL(port int) string {
	scheme := "ws"
	if c.tls || port == fallbackPort {
		scheme = "wss"
	}
	return scheme + "://" + net.JoinHostPort(c.host, strconv.Itoa(port)) + publisherURI
}

func (c *Check) portsTried() string {
	if len(c.ports) == 1 {
		return fmt.Sprintf("port %d", c.ports[0])
	}
	return fmt.Sprintf("tried ports %d-%d and %d", firstPort, lastPort, fallbackPort)
}

func isRefused(err error) bool { return errors.Is(err, syscall.ECONNREFUSED) }

// reason words a connection or protocol error for a person.
func reason(ctx context.Context, err error) string {
	switch {
	case ctx.Err() != nil:
		return "no answer before the check's timeout"
	case isRefused(err):
		return "connection refused (is the device on and its XFS4IoT services running?)"
	case codeOf(err) != "":
		return "refused the command: " + err.Error()
	}
	return err.Error()
}
