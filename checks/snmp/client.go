package snmp

import (
	"context"
	"fmt"
	"time"

	"github.com/gosnmp/gosnmp"
)

// Client is the part of an SNMP session a check uses: read-only requests.
type Client interface {
	// Get reads single instances; a missing one comes back as a
	// NoSuchObject or NoSuchInstance variable, not as an error.
	Get(oids []string) ([]gosnmp.SnmpPDU, error)
	// Walk reads every instance under root.
	Walk(root string) ([]gosnmp.SnmpPDU, error)
	// Close releases the socket; it may be called while a request waits.
	Close() error
}

// Session is how to reach and authenticate with one agent.
type Session struct {
	Host      string
	Port      uint16
	Version   gosnmp.SnmpVersion
	Community string
	User      string
	Auth      gosnmp.SnmpV3AuthProtocol
	AuthPass  string
	Priv      gosnmp.SnmpV3PrivProtocol
	PrivPass  string
	Retries   int
}

// Dialer opens a Client; requests made through it obey ctx.
type Dialer func(ctx context.Context, s Session) (Client, error)

// dialGoSNMP opens a gosnmp session. Each request waits at most until ctx's
// deadline, spread over the retries.
func dialGoSNMP(ctx context.Context, s Session) (Client, error) {
	timeout := 5 * time.Second
	if dl, ok := ctx.Deadline(); ok {
		timeout = time.Until(dl)
	}
	g := &gosnmp.GoSNMP{
		Target: s.Host, Port: s.Port, Transport: "udp", Version: s.Version, Community: s.Community,
		Context: ctx, Timeout: timeout / time.Duration(s.Retries+1), Retries: s.Retries,
		MaxOids: gosnmp.MaxOids, MaxRepetitions: 20,
	}
	if s.Version == gosnmp.Version3 {
		g.SecurityModel = gosnmp.UserSecurityModel
		g.MsgFlags = gosnmp.NoAuthNoPriv
		if s.AuthPass != "" {
			g.MsgFlags = gosnmp.AuthNoPriv
		}
		if s.PrivPass != "" {
			g.MsgFlags = gosnmp.AuthPriv
		}
		g.SecurityParameters = &gosnmp.UsmSecurityParameters{
			UserName: s.User, AuthenticationProtocol: s.Auth, AuthenticationPassphrase: s.AuthPass,
			PrivacyProtocol: s.Priv, PrivacyPassphrase: s.PrivPass,
		}
		if s.AuthPass == "" {
			g.SecurityParameters.(*gosnmp.UsmSecurityParameters).AuthenticationProtocol = gosnmp.NoAuth
		}
		if s.PrivPass == "" {
			g.SecurityParameters.(*gosnmp.UsmSecurityParameters).PrivacyProtocol = gosnmp.NoPriv
		}
	}
	if err := g.Connect(); err != nil {
		return nil, err
	}
	return goClient{g}, nil
}

type goClient struct{ g *gosnmp.GoSNMP }

func (c goClient) Get(oids []string) ([]gosnmp.SnmpPDU, error) {
	pkt, err := c.g.Get(oids)
	if err != nil {
		return nil, err
	}
	if pkt.Error != gosnmp.NoError {
		return nil, fmt.Errorf("the agent answered with error %s", pkt.Error)
	}
	return pkt.Variables, nil
}

func (c goClient) Walk(root string) ([]gosnmp.SnmpPDU, error) {
	return c.g.BulkWalkAll(root)
}

func (c goClient) Close() error { return c.g.Close() }
