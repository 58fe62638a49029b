package ingest

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/branchready/branchready/result"
)

// writeJSON answers with v as JSON, as json.Encoder writes it.
func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	if r, ok := v.(*result.IngestResponse); ok {
		if b, ok := appendResponse(make([]byte, 0, 96), r); ok {
			_, _ = w.Write(b)
			return
		}
	}
	_ = json.NewEncoder(w).Encode(v)
}

// appendResponse appends the answer to a batch with nothing rejected (the
// answer to nearly every batch) byte for byte as json.Encoder writes it,
// without its reflection; false for any other answer.
func appendResponse(b []byte, r *result.IngestResponse) ([]byte, bool) {
	if len(r.Rejected) > 0 || (!r.StoredAt.IsZero() && (r.StoredAt.Year() < 0 || r.StoredAt.Year() > 9999)) {
		return b, false
	}
	b = append(b, `{"accepted":`...)
	b = strconv.AppendInt(b, int64(r.Accepted), 10)
	b = append(b, `,"duplicates":`...)
	b = strconv.AppendInt(b, int64(r.Duplicates), 10)
	if !r.StoredAt.IsZero() {
		b = append(b, `,"stored_at":"`...)
		b = r.StoredAt.AppendFormat(b, time.RFC3339Nano)
		b = append(b, '"')
	}
	return append(b, "}\n"...), true
}
