package chunk

import (
	"errors"
	"fmt"
)

// EachID calls fn with the id of every result in b, in the chunk's order,
// without decoding the rest: a store deciding which results of a new batch
// it holds already reads the ids of its recent chunks on every write, and
// decoding them whole would cost an allocation per field. The id slice is
// only valid during the call.
func EachID(b []byte, fn func(id []byte)) error {
	fields, buf, err := open(b)
	if err != nil {
		return err
	}
	defer put(buf, fields)
	d := decoder{b: fields}
	n := d.uvarint("count")
	if d.err == nil && n > uint64(len(d.b))/16 {
		return fmt.Errorf("chunk: %d results cannot fit in %d bytes", n, len(fields))
	}
	for i := uint64(0); i < n && d.err == nil; i++ {
		id := d.raw("id", d.uvarint("id"))
		d.skipString("device")
		d.skipString("check")
		d.skipString("kind")
		if code := d.byte("status"); code == literalStatus {
			d.skipString("status")
		} else if d.err == nil && int(code) >= len(statuses) {
			d.fail("status", fmt.Errorf("unknown code %d", code))
		}
		d.varint("started_at")
		d.raw("duration_ms", 8)
		d.skipString("reason")
		count := d.uvarint("observations")
		if d.err == nil && count > uint64(len(d.b))/9 {
			d.fail("observations", errors.New("more than the bytes left can hold"))
		}
		for j := uint64(0); j < count && d.err == nil; j++ {
			d.skipString("observation name")
			d.raw("observation value", 8)
		}
		for _, field := range [...]string{"sweep", "agent_version"} {
			if l := d.uvarint(field); l > 0 {
				d.raw(field, l-1)
			}
		}
		if d.err != nil {
			return fmt.Errorf("chunk: result %d of %d: %w", i+1, n, d.err)
		}
		fn(id)
	}
	if d.err != nil {
		return fmt.Errorf("chunk: %w", d.err)
	}
	if len(d.b) != 0 {
		return fmt.Errorf("chunk: %d bytes after the last result", len(d.b))
	}
	return nil
}

// raw returns the next n bytes without copying them.
func (d *decoder) raw(field string, n uint64) []byte {
	if d.err != nil || n > uint64(len(d.b)) {
		d.fail(field, errShort)
		return nil
	}
	s := d.b[:n:n]
	d.b = d.b[n:]
	return s
}

func (d *decoder) skipString(field string) { d.raw(field, d.uvarint(field)) }
