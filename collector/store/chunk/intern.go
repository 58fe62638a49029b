package chunk

import (
	"time"

	"github.com/branchready/branchready/result"
)

// maxShared bounds the strings one Decoder keeps, so that a read of
// chunks whose names never repeat does not grow it without end.
const maxShared = 4096

// Decoder decodes chunks keeping one copy of the strings that repeat from
// result to result and from chunk to chunk: device, check, kind and
// observation names, sweep and agent version. A judge reading the day of
// 500 branches decodes each of those once instead of once per result (an
// allocation each). The zero value is ready to use; a Decoder is not safe
// for concurrent use.
type Decoder struct {
	strs map[string]string
}

// AppendDecoded is the package's AppendDecoded sharing d's strings.
func (d *Decoder) AppendDecoded(out []result.Result, b []byte, branch string, from, to time.Time) ([]result.Result, error) {
	if d.strs == nil {
		d.strs = make(map[string]string)
	}
	return appendDecoded(out, b, branch, from, to, d.strs)
}
