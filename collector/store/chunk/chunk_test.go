package chunk

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/s2"

	"github.com/branchready/branchready/result"
)

var update = flag.Bool("update", false, "rewrite testdata/*.chunk from the encoder")

// wave is a branch's batch as a pre-opening sweep sends it: shared sweep and
// agent version, observations on some results, one failure.
func wave() []result.Result {
	at := time.Date(2026, 11, 23, 7, 45, 0, 123456789, time.UTC)
	rs := []result.Result{
		{ID: "0193a1b2-0001", Device: "atm-01", Check: "reachable", Kind: "tcp", Status: result.StatusOK,
			StartedAt: at, DurationMS: 3.25, Reason: "connected in 3 ms",
			Observations: map[string]float64{"latency_seconds": 0.00325}, Sweep: "pre-opening 2026-11-23", AgentVersion: "1.4.0"},
		{ID: "0193a1b2-0002", Device: "atm-01", Check: "cash", Kind: "snmp", Status: result.StatusDegraded,
			StartedAt: at.Add(40 * time.Millisecond), DurationMS: 12, Reason: "cassette 2 below 20%",
			Observations: map[string]float64{"cassette_2_percent": 17, "cassette_1_percent": 64}, Sweep: "pre-opening 2026-11-23", AgentVersion: "1.4.0"},
		{ID: "0193a1b2-0003", Device: "phone", Check: "line", Kind: "modem", Status: result.StatusFail,
			StartedAt: at.Add(-5 * time.Millisecond), DurationMS: 1000, Reason: "no dial tone (is the line plugged in?)",
			Sweep: "pre-opening 2026-11-23", AgentVersion: "1.4.0"},
		{ID: "0193a1b2-0004", Device: "counter-1", Check: "confirmed", Kind: "manual", Status: result.StatusUnknown,
			StartedAt: at.Add(time.Second), Reason: "", AgentVersion: "1.4.1"},
	}
	for i := range rs {
		rs[i].Branch = "nyc-5th"
	}
	return rs
}

func TestAppendDecodeRoundTrips(t *testing.T) {
	for _, tc := range []struct {
		name string
		rs   []result.Result
	}{
		{"a wave batch comes back field for field", wave()},
		{"an empty batch comes back empty", []result.Result{}},
		{"a status without a code is kept as its words", []result.Result{{ID: "x", Branch: "nyc-5th", Device: "d", Check: "c", Kind: "k",
			Status: "maintenance", StartedAt: time.Unix(0, -42).UTC()}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := Append(nil, tc.rs)
			got, err := Decode(b, "nyc-5th")
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.rs) || (len(got) > 0 && !reflect.DeepEqual(got, tc.rs)) {
				t.Fatalf("decoded\n%+v\nwant\n%+v", got, tc.rs)
			}
		})
	}
}

func TestAppendDecodedKeepsOnlyTheRange(t *testing.T) {
	rs := wave()
	b := Append(nil, rs)
	from, to := rs[0].StartedAt, rs[3].StartedAt
	got, err := AppendDecoded([]result.Result{{ID: "before"}}, b, "nyc-5th", from, to)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range got {
		ids = append(ids, r.ID)
	}
	if want := "before 0193a1b2-0001 0193a1b2-0002"; strings.Join(ids, " ") != want {
		t.Fatalf("ids %v, want %s", ids, want)
	}
}

func TestDecodeRefusesDamage(t *testing.T) {
	good := appendPlain(nil, wave())
	packed := Append(nil, wave())
	for _, tc := range []struct {
		name, want string
		b          []byte
	}{
		{"an empty value", "version: chunk ends early", nil},
		{"a newer version", "version 3", append([]byte{3}, good[1:]...)},
		{"a cut chunk", "result 4 of 4", good[:len(good)-3]},
		{"bytes after the last result", "1 bytes after the last result", append(append([]byte{}, good...), 0)},
		{"a count the bytes cannot hold", "cannot fit", []byte{plain, 0xff, 0x01}},
		{"an unknown status code", "status: unknown code 9", func() []byte {
			b := appendPlain(nil, wave()[:1])
			b[2+1+len("0193a1b2-0001")+1+len("atm-01")+1+len("reachable")+1+len("tcp")] = 9
			return b
		}()},
		{"a cut compressed chunk", "compressed fields", packed[:len(packed)-3]},
		{"a compressed chunk claiming gigabytes", "more than the", []byte{compressed, 0x80, 0x80, 0x80, 0x80, 0x04}},
		// A sound S2 block of cut fields: the fields are checked after
		// decompression as in a plain chunk.
		{"a compressed chunk whose fields are cut", "result 4 of 4", append([]byte{compressed}, s2.Encode(nil, good[1:len(good)-3])...)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode(tc.b, "nyc-5th")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want it to say %q", err, tc.want)
			}
			if err := EachID(tc.b, func([]byte) {}); err == nil {
				t.Fatal("EachID read what Decode refuses")
			}
		})
	}
}

// TestGoldenEncoding pins the bytes of both versions: chunks live in users'
// databases for years, so a change to the encoding must be a new version,
// never a quiet edit of this one, and every version written before must
// still decode to the same results.
func TestGoldenEncoding(t *testing.T) {
	for _, tc := range []struct {
		name, file string
		encode     func([]byte, []result.Result) []byte
	}{
		{"version 1 (plain, written before compression) is pinned", "wave.chunk", appendPlain},
		{"version 2 (compressed, what Append writes) is pinned", "wave-v2.chunk", Append},
		{"Encode writes what Append writes, in a slice exactly as long", "wave-v2.chunk", func(dst []byte, rs []result.Result) []byte {
			b := Encode(rs)
			if cap(b) != len(b) {
				t.Errorf("Encode made %d bytes in a slice of capacity %d", len(b), cap(b))
			}
			return append(dst, b...)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join("testdata", tc.file)
			got := tc.encode(nil, wave())
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("encoding of the wave batch changed:\n got %x\nwant %x", got, want)
			}
			rs, err := Decode(want, "nyc-5th")
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(rs, wave()) {
				t.Fatalf("decoded\n%+v\nwant\n%+v", rs, wave())
			}
		})
	}
}

func TestAppendCompressesAWaveBatch(t *testing.T) {
	rs := wave()
	for len(rs) < 20 {
		r := rs[len(rs)%4]
		r.ID = fmt.Sprintf("0193a1b2-%04d", len(rs))
		rs = append(rs, r)
	}
	plainLen, packedLen := len(appendPlain(nil, rs)), len(Append(nil, rs))
	if packedLen*2 > plainLen {
		t.Fatalf("a wave batch of twenty is %d bytes compressed, %d plain: want at most half", packedLen, plainLen)
	}
}

func TestByDaySplitsAtUTCMidnight(t *testing.T) {
	midnight := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	mk := func(id string, at time.Time) result.Result { return result.Result{ID: id, StartedAt: at} }
	rs := []result.Result{mk("a", midnight.Add(time.Second)), mk("b", midnight.Add(-time.Second)), mk("c", midnight)}
	got := ByDay(rs)
	if len(got) != 2 || len(got[0]) != 1 || got[0][0].ID != "b" || len(got[1]) != 2 || got[1][0].ID != "a" || got[1][1].ID != "c" {
		t.Fatalf("ByDay = %+v", got)
	}
	if one := ByDay(rs[:1]); len(one) != 1 || &one[0][0] != &rs[0] {
		t.Fatal("a batch within one day should come back as itself")
	}
	first, last := Span(rs)
	if !first.Equal(midnight.Add(-time.Second)) || !last.Equal(midnight.Add(time.Second)) {
		t.Fatalf("Span = %v, %v", first, last)
	}
}

func TestSortOrdersByStartThenID(t *testing.T) {
	at := time.Unix(100, 0)
	rs := []result.Result{{ID: "b", StartedAt: at}, {ID: "a", StartedAt: at.Add(time.Nanosecond)}, {ID: "a", StartedAt: at}}
	Sort(rs)
	if rs[0].ID != "a" || !rs[0].StartedAt.Equal(at) || rs[1].ID != "b" || rs[2].ID != "a" {
		t.Fatalf("Sort = %+v", rs)
	}
}

func FuzzDecode(f *testing.F) {
	addGolden(f)
	f.Add(Append(nil, nil))
	f.Add(Append(nil, wave()[3:]))
	f.Fuzz(func(t *testing.T, b []byte) {
		rs, err := Decode(b, "br")
		if err != nil {
			return
		}
		// What decodes re-encodes to a chunk that decodes to the same.
		again, err := Decode(Append(nil, rs), "br")
		if err != nil {
			t.Fatalf("re-encoded chunk does not decode: %v", err)
		}
		if len(rs) != len(again) || (len(rs) > 0 && !reflect.DeepEqual(rs, again) && !hasNaN(rs)) {
			t.Fatalf("round trip changed the results:\n%+v\n%+v", rs, again)
		}
	})
}

// addGolden seeds f with the golden chunks of every version.
func addGolden(f *testing.F) {
	for _, name := range []string{"wave.chunk", "wave-v2.chunk"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add(appendPlain(nil, wave()[3:]))
}

// hasNaN reports whether a float in rs is NaN, which DeepEqual never equals.
func hasNaN(rs []result.Result) bool {
	for _, r := range rs {
		if r.DurationMS != r.DurationMS {
			return true
		}
		for _, v := range r.Observations {
			if v != v {
				return true
			}
		}
	}
	return false
}
