package chunk

import (
	"reflect"
	"testing"
	"time"
	"unsafe"
)

func TestDecoderSharesRepeatedStrings(t *testing.T) {
	b := Append(nil, wave())
	var d Decoder
	first, err := d.AppendDecoded(nil, b, "nyc-5th", time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	both, err := d.AppendDecoded(first, b, "nyc-5th", time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	want := append(wave(), wave()...)
	if !reflect.DeepEqual(both, want) {
		t.Fatalf("decoded\n%+v\nwant\n%+v", both, want)
	}
	a, c := both[0], both[4]
	for _, pair := range [][2]string{{a.Device, c.Device}, {a.Check, c.Check}, {a.Kind, c.Kind}, {a.Sweep, c.Sweep}, {a.AgentVersion, c.AgentVersion}} {
		if unsafe.StringData(pair[0]) != unsafe.StringData(pair[1]) {
			t.Errorf("%q is decoded twice, not shared", pair[0])
		}
	}
	if unsafe.StringData(a.ID) == unsafe.StringData(c.ID) {
		t.Error("ids are shared: only names that repeat should be")
	}
}
