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
	w.Header()["Content-Type"] = jsonType
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// jsonType is the Content-Type of every answer, shared rather than made
// per request (Header.Set makes a slice); nothing changes it in place.
var jsonType = []string{"application/json"}

// writeResponse answers 200 with the batch's answer, built in buf when it
// is the plain one (nothing rejected).
func writeResponse(w http.ResponseWriter, r *result.IngestResponse, buf []byte) {
	b, ok := appendResponse(buf, r)
	if !ok {
		writeJSON(w, http.StatusOK, r)
		return
	}
	w.Header()["Content-Type"] = jsonType
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
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
