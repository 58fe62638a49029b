package xfs4iot

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync/atomic"

	"github.com/branchready/branchready/checks"
	"github.com/coder/websocket"
)

// Config is the xfs4iot kind's options.
type Config struct {
	Host string `yaml:"host" doc:"Host name or IP address of the ATM or kiosk."`
	// Port is the service publisher's port; 0 tries the standard range.
	Port     int      `yaml:"port" doc:"Service publisher port; default tries 5846-5856, then 443."`
	TLS      bool     `yaml:"tls" doc:"Use wss:// (always on for port 443)."`
	CAFile   string   `yaml:"ca_file" doc:"PEM file of CA certificates to trust for wss:// besides the system ones."`
	Label    string   `yaml:"label" doc:"How reasons name the device, e.g. \"ATM 2\"; default the device id."`
	Services []string `yaml:"services" doc:"Only these services (last part of the service URI, e.g. CashDispenser); default all that the publisher lists."`
	// SkipStorage leaves cash units out, for kiosks without cash.
	SkipStorage bool `yaml:"skip_storage" doc:"Do not ask cash services for Storage.GetStorage."`
}

// Standard ports of the XFS4IoT service publisher.
const (
	firstPort    = 5846
	lastPort     = 5856
	fallbackPort = 443
	publisherURI = "/xfs4iot/v1.0"
)

// dialer opens a WebSocket to url.
type dialer func(ctx context.Context, url string) (socket, error)

// Check is a compiled xfs4iot check.
type Check struct {
	host     string
	ports    []int
	tls      bool
	label    string
	services map[string]bool   // lower case
	spelled  map[string]string // lower case -> as configured
	storage  bool
	dial     dialer
	found    atomic.Int64 // the port that answered last time, tried first
}

// New validates c and builds a Check. t names the device for reasons when
// c.Label is empty; caPEM is the content of CAFile, read by the caller.
func New(c Config, t checks.Target, caPEM []byte) (*Check, error) {
	var p checks.Problems
	switch {
	case c.Host == "":
		p.Addf("host", "must be set to the ATM's host name or IP address")
	case strings.ContainsAny(c.Host, "/: ") && net.ParseIP(c.Host) == nil:
		p.Addf("host", "%q: must be a host name or IP address, without scheme or port", c.Host)
	}
	if c.Port < 0 || c.Port > 65535 {
		p.Addf("port", "%d: must be 1-65535, or 0 for the standard ports", c.Port)
	}
	// Service names match the URI's last segment whatever its case.
	services, spelled := map[string]bool{}, map[string]string{}
	for i, s := range c.Services {
		if s == "" || strings.ContainsAny(s, "/ ") {
			p.Addf(fmt.Sprintf("services[%d]", i), "%q: must be a service name such as CashDispenser", s)
		}
		services[strings.ToLower(s)], spelled[strings.ToLower(s)] = true, s
	}
	tlsConf := checks.TLSConfig(&p, caPEM, c.CAFile)
	if err := p.Err(); err != nil {
		return nil, err
	}
	label := c.Label
	if label == "" {
		label = t.Device
	}
	return &Check{
		host: c.Host, ports: candidatePorts(c.Port), tls: c.TLS, label: label,
		services: services, spelled: spelled, storage: !c.SkipStorage, dial: wsDialer(tlsConf),
	}, nil
}

func candidatePorts(port int) []int {
	if port != 0 {
		return []int{port}
	}
	var ports []int
	for p := firstPort; p <= lastPort; p++ {
		ports = append(ports, p)
	}
	return append(ports, fallbackPort)
}

// wsDialer dials with coder/websocket; messages up to 4 MiB (cash unit
// lists of large recyclers exceed the library's 32 KiB default).
func wsDialer(tlsConf *tls.Config) dialer {
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: tlsConf, Proxy: http.ProxyFromEnvironment}}
	return func(ctx context.Context, url string) (socket, error) {
		conn, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPClient: client})
		if err != nil {
			return nil, err
		}
		conn.SetReadLimit(4 << 20)
		return conn, nil
	}
}

// Run discovers the services and judges each one's status.
func (c *Check) Run(ctx context.Context) checks.Outcome {
	uris, out, ok := c.discover(ctx)
	if !ok {
		return out
	}
	reports := c.query(ctx, uris)
	return c.verdict(reports).Observe("services", float64(len(reports)))
}
