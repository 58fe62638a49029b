package snmp

import (
	"context"
	"sort"
	"strings"
	"sync"

	"github.com/gosnmp/gosnmp"
)

// fakeAgent is an in-memory SNMP agent behind the Client interface.
type fakeAgent struct {
	vars map[string]gosnmp.SnmpPDU // by OID without the leading dot
	err  error                     // returned by every request when set
	hang bool                      // requests wait until Close

	mu     sync.Mutex
	closed chan struct{}
	asked  []string
}

func newFake(vars ...gosnmp.SnmpPDU) *fakeAgent {
	f := &fakeAgent{vars: map[string]gosnmp.SnmpPDU{}, closed: make(chan struct{})}
	for _, v := range vars {
		f.set(v)
	}
	return f
}

func (f *fakeAgent) set(v gosnmp.SnmpPDU) {
	v.Name = "." + strings.TrimPrefix(v.Name, ".")
	f.vars[strings.TrimPrefix(v.Name, ".")] = v
}

func integer(oid string, n int) gosnmp.SnmpPDU {
	return gosnmp.SnmpPDU{Name: oid, Type: gosnmp.Integer, Value: n}
}

func octets(oid string, b ...byte) gosnmp.SnmpPDU {
	return gosnmp.SnmpPDU{Name: oid, Type: gosnmp.OctetString, Value: b}
}

func text(oid, s string) gosnmp.SnmpPDU {
	return gosnmp.SnmpPDU{Name: oid, Type: gosnmp.OctetString, Value: []byte(s)}
}

func ticks(n uint32) gosnmp.SnmpPDU {
	return gosnmp.SnmpPDU{Name: oidSysUpTime, Type: gosnmp.TimeTicks, Value: n}
}

func (f *fakeAgent) dial(context.Context, Session) (Client, error) { return f, nil }

func (f *fakeAgent) wait() error {
	f.mu.Lock()
	hang := f.hang
	f.mu.Unlock()
	if hang {
		<-f.closed
		return context.Canceled
	}
	return f.err
}

func (f *fakeAgent) Get(oids []string) ([]gosnmp.SnmpPDU, error) {
	f.mu.Lock()
	f.asked = append(f.asked, "get "+strings.Join(oids, " "))
	f.mu.Unlock()
	if err := f.wait(); err != nil {
		return nil, err
	}
	var out []gosnmp.SnmpPDU
	for _, o := range oids {
		v, ok := f.vars[o]
		if !ok {
			v = gosnmp.SnmpPDU{Name: "." + o, Type: gosnmp.NoSuchObject}
		}
		out = append(out, v)
	}
	return out, nil
}

func (f *fakeAgent) Walk(root string) ([]gosnmp.SnmpPDU, error) {
	f.mu.Lock()
	f.asked = append(f.asked, "walk "+root)
	f.mu.Unlock()
	if err := f.wait(); err != nil {
		return nil, err
	}
	var out []gosnmp.SnmpPDU
	for k, v := range f.vars {
		if strings.HasPrefix(k, root+".") {
			out = append(out, v)
		}
	}
	sort.Slice(out, func(i, j int) bool { return lessOID(out[i].Name[1:], out[j].Name[1:]) })
	return out, nil
}

func (f *fakeAgent) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	select {
	case <-f.closed:
	default:
		close(f.closed)
	}
	return nil
}
