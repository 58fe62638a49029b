package shipper

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/branchready/branchready/agent/spool"
	"github.com/branchready/branchready/result"
)

// A batch built from stored records is byte for byte the encoding of a
// result.Batch of the same results, with and without a descriptor and
// with no results at all (a heartbeat).
func TestABatchOfRecordsIsTheEncodingOfAResultBatch(t *testing.T) {
	at := time.Date(2026, 11, 26, 7, 30, 0, 123456789, time.UTC)
	rs := []result.Result{
		{ID: "0193-a", Branch: "b-001", Device: "atm-01", Check: "port", Kind: "tcp", Status: result.StatusOK,
			StartedAt: at, DurationMS: 1.234, Reason: "10.0.0.5:443 answers (connect 1ms)",
			Observations: map[string]float64{"connect_seconds": 0.0012}, Sweep: "business", AgentVersion: "1.2.3"},
		{ID: "0193-b", Branch: "b-001", Device: "web", Check: "login", Kind: "http", Status: result.StatusFail,
			StartedAt: at, Reason: `GET http://x/?a=1&b=<2>: "no" é`},
	}
	desc := &result.Descriptor{Name: "Branch 1", Devices: []result.Device{}}
	for _, tc := range []struct {
		name    string
		results []result.Result
		desc    *result.Descriptor
	}{
		{"two results", rs, nil},
		{"two results and the descriptor", rs, desc},
		{"a heartbeat", nil, desc},
	} {
		t.Run(tc.name, func(t *testing.T) {
			agent := result.Agent{Version: "1.2.3", ConfigHash: "abc"}
			s := New(Options{Branch: "b-001", Agent: func() result.Agent { return agent },
				Now: func() time.Time { return at }})
			if tc.desc != nil {
				s.o.Descriptor = func() *result.Descriptor { return tc.desc }
			}
			var recs []spool.Record
			for i := range tc.results {
				b, _ := json.Marshal(&tc.results[i])
				recs = append(recs, spool.Record{ID: tc.results[i].ID, JSON: b})
			}
			body, _, err := s.encode(recs)
			if err != nil {
				t.Fatal(err)
			}
			zr, err := gzip.NewReader(bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(zr)
			want := result.Batch{Branch: "b-001", Agent: agent, Descriptor: tc.desc, Results: tc.results}
			want.Agent.SentAt = at
			if want.Results == nil {
				want.Results = []result.Result{}
			}
			var buf bytes.Buffer
			_ = json.NewEncoder(&buf).Encode(&want)
			if !bytes.Equal(got, buf.Bytes()) {
				t.Errorf("got  %s\nwant %s", got, buf.Bytes())
			}
		})
	}
}

// batchHead must follow result.Batch: a field added there must be added
// here too, or batches would lose it.
func TestBatchHeadHasEveryFieldOfResultBatchButResults(t *testing.T) {
	fields := func(typ reflect.Type) []string {
		var out []string
		for f := range typ.Fields() {
			out = append(out, f.Name+" "+f.Type.String()+" "+string(f.Tag))
		}
		return out
	}
	want := slices.DeleteFunc(fields(reflect.TypeFor[result.Batch]()), func(f string) bool { return f[:8] == "Results " })
	if got := fields(reflect.TypeFor[batchHead]()); !slices.Equal(got, want) {
		t.Errorf("batchHead fields %q\nresult.Batch's %q", got, want)
	}
}
