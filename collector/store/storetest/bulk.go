package storetest

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
)

// BulkResults is a store that reads the results of many branches at once
// (the readiness engine judges a whole board from a few such reads).
type BulkResults interface {
	ResultsOf(ctx context.Context, branches []string, from, to time.Time) (map[string][]result.Result, error)
}

func testResultsOf(t *testing.T, open Opener) {
	s := opened(t, open)
	bulk, ok := s.(BulkResults)
	if !ok {
		t.Fatalf("%T has no ResultsOf: the readiness engine would read one branch per query", s)
	}
	from, to := base, base.Add(time.Hour)
	var rs []result.Result
	// More branches than one statement of some stores names, each with a
	// result inside the range and one outside it.
	var asked []string
	for i := range 1100 {
		b := fmt.Sprintf("bulk-%04d", i)
		in, out := sample(b, i%60), sample(b, 0)
		out.ID, out.StartedAt = b+"-late", to
		rs = append(rs, in, out)
		if i%3 != 0 {
			asked = append(asked, b)
		}
	}
	write(t, s, rs, len(rs), 0)
	asked = append(asked, "no-such-branch")
	got, err := bulk.ResultsOf(context.Background(), asked, from, to)
	if err != nil {
		t.Fatalf("ResultsOf: %v", err)
	}
	if _, ok := got["no-such-branch"]; ok {
		t.Errorf("a branch with no results has an entry: %v", got["no-such-branch"])
	}
	if _, ok := got["bulk-0000"]; ok {
		t.Errorf("a branch not asked for was read: %v", ids(got["bulk-0000"]))
	}
	for _, b := range asked[:len(asked)-1] {
		one, err := s.Results(context.Background(), b, from, to)
		if err != nil {
			t.Fatalf("Results(%s): %v", b, err)
		}
		if !reflect.DeepEqual(got[b], one) {
			t.Fatalf("ResultsOf gives %s\n%+v\nResults gives\n%+v", b, got[b], one)
		}
	}
	if len(got) != len(asked)-1 {
		t.Errorf("ResultsOf read %d branches, want %d", len(got), len(asked)-1)
	}
}

func testResultsOfOrder(t *testing.T, open Opener) {
	s := opened(t, open)
	bulk, ok := s.(BulkResults)
	if !ok {
		t.Fatalf("%T has no ResultsOf", s)
	}
	at := func(id, branch string, ts time.Time) result.Result {
		r := sample(branch, 0)
		r.ID, r.StartedAt = id, ts
		return r
	}
	write(t, s, []result.Result{
		at("b-late", "br-b", base.Add(2*time.Second)),
		at("a-tie-b", "br-a", base.Add(time.Second)),
		at("a-tie-a", "br-a", base.Add(time.Second)),
		at("a-first", "br-a", base),
		at("b-first", "br-b", base),
	}, 5, 0)
	got, err := bulk.ResultsOf(context.Background(), []string{"br-b", "br-a"}, base, base.Add(time.Minute))
	if err != nil {
		t.Fatalf("ResultsOf: %v", err)
	}
	if a := ids(got["br-a"]); !slices.Equal(a, []string{"a-first", "a-tie-a", "a-tie-b"}) {
		t.Errorf("br-a reads %v, want oldest first, ties by id", a)
	}
	if b := ids(got["br-b"]); !slices.Equal(b, []string{"b-first", "b-late"}) {
		t.Errorf("br-b reads %v, want oldest first", b)
	}
	none, err := bulk.ResultsOf(context.Background(), nil, base, base.Add(time.Minute))
	if err != nil || len(none) != 0 {
		t.Errorf("ResultsOf of no branch = %v, %v; want nothing", none, err)
	}
}

// Contacts is a store that reads some branches' contacts by id.
type Contacts interface {
	ContactsOf(ctx context.Context, ids []string) ([]store.Branch, error)
}

func testContactsOf(t *testing.T, open Opener) {
	s := opened(t, open)
	c, ok := s.(Contacts)
	if !ok {
		t.Fatalf("%T has no ContactsOf", s)
	}
	var ids []string
	for i := range 1010 { // more than one statement of some stores names
		id := fmt.Sprintf("br-%04d", i)
		put(t, s, id, descriptor(id), contact(time.Duration(i)*time.Second, "1.2.3"))
		if i%2 == 1 {
			ids = append(ids, id)
		}
	}
	slices.Reverse(ids)
	got, err := c.ContactsOf(context.Background(), append(ids, "no-such-branch"))
	if err != nil {
		t.Fatalf("ContactsOf: %v", err)
	}
	slices.Reverse(ids)
	if len(got) != len(ids) {
		t.Fatalf("ContactsOf read %d branches, want %d", len(got), len(ids))
	}
	for i, b := range got {
		one, err := s.Branch(context.Background(), ids[i])
		if err != nil {
			t.Fatal(err)
		}
		one.Descriptor = nil
		if b.ID != ids[i] || !reflect.DeepEqual(b, one) {
			t.Fatalf("ContactsOf gives %+v at %d, want %+v without its descriptor, in id order", b, i, one)
		}
	}
}
