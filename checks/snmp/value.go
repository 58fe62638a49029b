package snmp

import (
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gosnmp/gosnmp"
)

// value is one SNMP value in the forms the rules compare.
type value struct {
	text   string  // decimal for numbers, the string or "40 00" hex for OCTET STRINGs
	hex    string  // OCTET STRINGs only: space-separated hex, lower case
	num    float64 // valid when isNum
	isNum  bool
	octets []byte // OCTET STRINGs only, for bit rules
}

// missing reports whether an agent said it has no such variable.
func missing(pdu gosnmp.SnmpPDU) bool {
	switch pdu.Type {
	case gosnmp.NoSuchObject, gosnmp.NoSuchInstance, gosnmp.EndOfMibView, gosnmp.Null:
		return true
	}
	return false
}

func valueOf(pdu gosnmp.SnmpPDU) value {
	switch v := pdu.Value.(type) {
	case []byte:
		out := value{octets: v, hex: hexSpaced(v), text: hexSpaced(v)}
		if printable(v) {
			out.text = string(v)
			out.num, out.isNum = parseNum(out.text)
		}
		return out
	case string:
		s := strings.TrimPrefix(v, ".")
		if pdu.Type != gosnmp.ObjectIdentifier {
			s = v
		}
		n, isNum := parseNum(s)
		return value{text: s, num: n, isNum: isNum}
	case float32:
		return value{text: strconv.FormatFloat(float64(v), 'g', -1, 32), num: float64(v), isNum: true}
	case float64:
		return value{text: strconv.FormatFloat(v, 'g', -1, 64), num: v, isNum: true}
	case nil:
		return value{}
	}
	s := fmt.Sprint(pdu.Value)
	n, isNum := parseNum(s)
	return value{text: s, num: n, isNum: isNum}
}

// bit reports whether bit n is set, counting as SNMP BITS do: bit 0 is the
// most significant bit of the first octet. Bits past the end are clear.
func (v value) bit(n int) bool {
	i := n / 8
	return i < len(v.octets) && v.octets[i]&(0x80>>(n%8)) != 0
}

// is reports whether the value equals s as text, as hex, or as a number.
func (v value) is(s string) bool {
	if v.text == s || (v.hex != "" && strings.EqualFold(v.hex, normalHex(s))) {
		return true
	}
	n, ok := parseNum(s)
	return ok && v.isNum && n == v.num
}

func parseNum(s string) (float64, bool) {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	return f, err == nil
}

func hexSpaced(b []byte) string {
	h := hex.EncodeToString(b)
	var sb strings.Builder
	for i := 0; i < len(h); i += 2 {
		if i > 0 {
			sb.WriteByte(' ')
		}
		sb.WriteString(h[i : i+2])
	}
	return sb.String()
}

// normalHex turns "0x4000", "40:00" or "40 00" into "40 00".
func normalHex(s string) string {
	s = strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
	s = strings.NewReplacer(" ", "", ":", "").Replace(s)
	b, err := hex.DecodeString(s)
	if err != nil {
		return ""
	}
	return hexSpaced(b)
}

func printable(b []byte) bool {
	if len(b) == 0 || !utf8.Valid(b) {
		return len(b) == 0
	}
	for _, r := range string(b) {
		if !unicode.IsPrint(r) && r != '\t' {
			return false
		}
	}
	return true
}
