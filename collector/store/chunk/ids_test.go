package chunk

import (
	"slices"
	"testing"
)

func TestEachIDListsTheIDsDecodeReads(t *testing.T) {
	b := Append(nil, wave())
	var got []string
	if err := EachID(b, func(id []byte) { got = append(got, string(id)) }); err != nil {
		t.Fatal(err)
	}
	want := []string{"0193a1b2-0001", "0193a1b2-0002", "0193a1b2-0003", "0193a1b2-0004"}
	if !slices.Equal(got, want) {
		t.Fatalf("EachID gave %v, want %v", got, want)
	}
	if err := EachID(b[:len(b)-3], func([]byte) {}); err == nil {
		t.Fatal("EachID of a cut chunk succeeded")
	}
}

// FuzzEachID holds the id reader to the full decoder: the same chunks
// fail, and those that decode give the same ids in the same order.
func FuzzEachID(f *testing.F) {
	addGolden(f)
	f.Add(Append(nil, nil))
	f.Add(Append(nil, wave()[3:]))
	f.Fuzz(func(t *testing.T, b []byte) {
		rs, derr := Decode(b, "br")
		var ids []string
		err := EachID(b, func(id []byte) { ids = append(ids, string(id)) })
		if (err == nil) != (derr == nil) {
			t.Fatalf("EachID error %v, Decode error %v", err, derr)
		}
		if err != nil {
			return
		}
		want := make([]string, len(rs))
		for i, r := range rs {
			want[i] = r.ID
		}
		if !slices.Equal(ids, want) {
			t.Fatalf("EachID gave %v, Decode %v", ids, want)
		}
	})
}
