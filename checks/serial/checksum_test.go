package serial

import (
	"encoding/hex"
	"testing"
)

func TestChecksums(t *testing.T) {
	cases := []struct {
		name, sum, frame, want string
	}{
		{"CRC-16/KERMIT of the standard check string is 0x2189, low byte first", "crc16-kermit", hex.EncodeToString([]byte("123456789")), "8921"},
		{"the CCNET poll to address 3 ends in da 81", "crc16-kermit", "02030633", "da81"},
		{"the ccTalk poll to a bill validator at 40 ends in 217", "sum8", "280001fe", "d9"},
		{"the ccTalk poll to address 2 ends in ff", "sum8", "020001fe", "ff"},
		{"add8 is the plain sum modulo 256", "add8", "ff02", "01"},
		{"xor folds every byte", "xor", "0f0ff0", "f0"},
		{"none adds nothing", "none", "0102", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			frame, _ := hex.DecodeString(tc.frame)
			sealed := checksums[tc.sum].seal(frame)
			if got := hex.EncodeToString(sealed[len(frame):]); got != tc.want {
				t.Errorf("checksum %s, want %s", got, tc.want)
			}
			if !checksums[tc.sum].valid(sealed) {
				t.Error("a sealed frame does not verify")
			}
			if tc.want != "" {
				sealed[0] ^= 0x40
				if checksums[tc.sum].valid(sealed) {
					t.Error("a corrupted frame verifies")
				}
			}
		})
	}
}
