package ingest

import (
	"encoding/json"
	"testing"
	"unsafe"

	"github.com/branchready/branchready/result"
)

// An agent's batch must not fall back to encoding/json anywhere: that
// fallback costs several times the fast path.
func TestAnAgentsBatchTakesTheFastPathThroughout(t *testing.T) {
	var b struct {
		Branch     json.RawMessage   `json:"branch"`
		Agent      json.RawMessage   `json:"agent"`
		Descriptor json.RawMessage   `json:"descriptor"`
		Results    []json.RawMessage `json:"results"`
	}
	if err := json.Unmarshal(waveBodyPlain(), &b); err != nil {
		t.Fatal(err)
	}
	in := new(interner)
	if _, _, ok := plainAt(b.Branch); !ok {
		t.Errorf("branch %s left to encoding/json", b.Branch)
	}
	if n, ok := in.fastAgent(b.Agent, new(result.Agent)); !ok || n != len(b.Agent) {
		t.Errorf("agent %s left to encoding/json", b.Agent)
	}
	if _, n, ok := in.fastDescriptor(b.Descriptor); !ok || n != len(b.Descriptor) {
		t.Errorf("descriptor %s left to encoding/json", b.Descriptor)
	}
	for _, r := range b.Results {
		if _, ok := in.fastResult(r, new(result.Result)); !ok {
			t.Errorf("result %s left to encoding/json", r)
		}
	}
	if _, ok := in.fastAgent([]byte(envelopeSeeds[0]), new(result.Agent)); !ok {
		t.Errorf("agent %s left to encoding/json", envelopeSeeds[0])
	}
	for _, s := range envelopeSeeds[1:3] {
		if _, _, ok := in.fastDescriptor([]byte(s)); !ok {
			t.Errorf("descriptor %s left to encoding/json", s)
		}
	}
}

func TestTheInternerSharesEqualStringsAndKeepsOthersApart(t *testing.T) {
	in := new(interner)
	a, b := in.intern([]byte("pre-opening-1")), in.intern([]byte("pre-opening-1"))
	if a != b || unsafe.StringData(a) != unsafe.StringData(b) {
		t.Errorf("two equal strings were not shared")
	}
	for _, s := range []string{"", "a", "ok", "fail", "atm-01", "atm-02", "tcp", "http"} {
		if got := in.intern([]byte(s)); got != s {
			t.Errorf("intern(%q) = %q", s, got)
		}
	}
}
