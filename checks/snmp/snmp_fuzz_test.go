package snmp

import (
	"math"
	"testing"

	"github.com/gosnmp/gosnmp"
)

// FuzzValues turns arbitrary agent answers into values and compares them
// the ways rules do: no answer may crash the check.
func FuzzValues(f *testing.F) {
	f.Add(uint8(gosnmp.OctetString), []byte("Ready"), int64(0), "Ready", 3)
	f.Add(uint8(gosnmp.OctetString), []byte{0x40, 0x00}, int64(0), "0x4000", 1)
	f.Add(uint8(gosnmp.Integer), []byte(nil), int64(-2), "-2", 0)
	f.Add(uint8(gosnmp.ObjectIdentifier), []byte(".1.3.6.1.2.1.43"), int64(0), "1.3.6.1.2.1.43", 9)
	f.Add(uint8(gosnmp.Counter64), []byte(nil), int64(math.MaxInt64), "9.2e18", 63)
	f.Fuzz(func(t *testing.T, typ uint8, b []byte, n int64, rule string, bit int) {
		pdus := []gosnmp.SnmpPDU{
			{Type: gosnmp.Asn1BER(typ), Value: b},
			{Type: gosnmp.Asn1BER(typ), Value: string(b)},
			{Type: gosnmp.Asn1BER(typ), Value: n},
			{Type: gosnmp.Asn1BER(typ), Value: uint64(n)},
			{Type: gosnmp.Asn1BER(typ), Value: math.Float64frombits(uint64(n))},
			{Type: gosnmp.Asn1BER(typ), Value: nil},
		}
		for _, pdu := range pdus {
			_ = missing(pdu)
			v := valueOf(pdu)
			_ = v.is(rule)
			if bit >= 0 && bit < 1<<20 {
				_ = v.bit(bit)
			}
		}
		_ = normalHex(rule)
	})
}
