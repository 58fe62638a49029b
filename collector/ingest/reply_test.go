package ingest

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/branchready/branchready/result"
)

func TestTheUsualAnswerIsWrittenAsEncodingJSONWritesIt(t *testing.T) {
	lisbon := time.FixedZone("WET", 3600)
	for name, r := range map[string]result.IngestResponse{
		"all stored, stored_at in UTC":               {Accepted: 20, StoredAt: time.Date(2026, 11, 24, 8, 1, 0, 123456789, time.UTC)},
		"some duplicates, stored_at in another zone": {Accepted: 3, Duplicates: 17, StoredAt: time.Date(2026, 11, 24, 8, 1, 0, 5000, lisbon)},
		"nothing stored, no stored_at":               {},
		"a whole second":                             {Accepted: 1, StoredAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)},
		"a time beyond what JSON times may hold":     {Accepted: 1, StoredAt: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)},
		"a rejection (left to encoding/json)":        {Accepted: 1, Rejected: []result.Rejection{{Index: 2, ID: "x", Error: "bad <id> & \"more\""}}},
	} {
		t.Run(name, func(t *testing.T) {
			var want bytes.Buffer
			_ = json.NewEncoder(&want).Encode(&r)
			got, ok := appendResponse(nil, &r)
			if unusual := len(r.Rejected) > 0 || r.StoredAt.Year() > 9999; ok == unusual {
				t.Fatalf("written by hand: %v", ok)
			}
			if ok && string(got) != want.String() {
				t.Fatalf("got  %s\nwant %s", got, want.Bytes())
			}
		})
	}
}
