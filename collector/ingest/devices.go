package ingest

import "github.com/branchready/branchready/result"

// devices reads a descriptor's list of devices into d.Devices: into the
// interner's scratch lists first, then copied into two allocations (the
// devices, and all their checks), where growing each list by appending
// made about two per device.
func (in *interner) devices(rest []byte, d *result.Descriptor) (int, bool) {
	devs, refs, spans := in.devs[:0], in.refs[:0], in.spans[:0]
	defer func() {
		clear(devs) // let the strings go
		clear(refs)
		if cap(devs) <= maxScratch && cap(refs) <= maxScratch {
			in.devs, in.refs, in.spans = devs[:0], refs[:0], spans[:0]
		}
	}()
	listed := false
	n, ok := list(rest, func() { listed = true }, func(e []byte) (int, bool) {
		devs = append(devs, result.Device{})
		sp := span{start: len(refs)}
		n, ok := in.fastDevice(e, &devs[len(devs)-1], &refs, &sp)
		spans = append(spans, sp)
		return n, ok
	})
	if !ok || !listed {
		return n, ok
	}
	d.Devices = make([]result.Device, len(devs))
	copy(d.Devices, devs)
	all := make([]result.CheckRef, len(refs))
	copy(all, refs)
	for i, sp := range spans {
		if sp.listed {
			d.Devices[i].Checks = all[sp.start:sp.end:sp.end]
		}
	}
	return n, true
}

// span is where a device's checks lie in the scratch list; listed: the
// device has a list of checks (nil when absent or null).
type span struct {
	start, end int
	listed     bool
}

// maxScratch is the longest scratch list an interner keeps for reuse.
const maxScratch = 256

// fastDevice reads a device, appending its checks to refs and noting
// where they are in sp.
func (in *interner) fastDevice(v []byte, d *result.Device, refs *[]result.CheckRef, sp *span) (int, bool) {
	return deviceFields.object(v, func(bit uint32, rest []byte) (int, bool) {
		switch bit {
		case 1:
			return in.str(rest, &d.ID)
		case 2:
			return in.str(rest, &d.Kind)
		case 4:
			return in.str(rest, (*string)(&d.Criticality))
		case 8:
			return in.str(rest, &d.Vendor)
		case 16:
			return in.str(rest, &d.Model)
		case 32:
			n, ok := list(rest, func() { sp.listed = true }, func(e []byte) (int, bool) {
				*refs = append(*refs, result.CheckRef{})
				return in.fastCheckRef(e, &(*refs)[len(*refs)-1])
			})
			sp.end = len(*refs)
			return n, ok
		case 64:
			return intField(rest, &d.TransactionsPerDay)
		}
		return in.str(rest, &d.DependsOn)
	})
}
