package serial

import "bytes"

// checksum appends and verifies the check bytes of a frame.
type checksum struct {
	name string
	size int
	sum  func([]byte) []byte
}

var checksums = map[string]checksum{
	"none":         {name: "none", size: 0, sum: func([]byte) []byte { return nil }},
	"sum8":         {name: "sum8", size: 1, sum: sum8},
	"add8":         {name: "add8", size: 1, sum: add8},
	"xor":          {name: "xor", size: 1, sum: xor8},
	"crc16-kermit": {name: "crc16-kermit", size: 2, sum: crc16Kermit},
}

// sum8 is ccTalk's simple checksum: the byte that makes every byte of the
// frame, itself included, add up to zero modulo 256.
func sum8(b []byte) []byte { return []byte{-add8(b)[0]} }

func add8(b []byte) []byte {
	var s byte
	for _, c := range b {
		s += c
	}
	return []byte{s}
}

func xor8(b []byte) []byte {
	var s byte
	for _, c := range b {
		s ^= c
	}
	return []byte{s}
}

// crc16Kermit is CRC-16/KERMIT (polynomial 0x1021 reflected as 0x8408,
// initial value 0, no final xor), sent low byte first as ID-003 and CCNET
// frames carry it.
func crc16Kermit(b []byte) []byte {
	var crc uint16
	for _, c := range b {
		crc ^= uint16(c)
		for range 8 {
			if crc&1 != 0 {
				crc = crc>>1 ^ 0x8408
			} else {
				crc >>= 1
			}
		}
	}
	return []byte{byte(crc), byte(crc >> 8)}
}

// seal returns frame with its checksum appended.
func (c checksum) seal(frame []byte) []byte {
	return append(bytes.Clone(frame), c.sum(frame)...)
}

// valid reports whether frame ends with the right checksum.
func (c checksum) valid(frame []byte) bool {
	if c.size == 0 {
		return true
	}
	if len(frame) < c.size {
		return false
	}
	body, tail := frame[:len(frame)-c.size], frame[len(frame)-c.size:]
	return bytes.Equal(c.sum(body), tail)
}
