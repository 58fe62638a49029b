package zone

import (
	"strings"
	"sync"
	"testing"
	"time"
)

func TestACacheLoadsAZoneOnceAndSharesIt(t *testing.T) {
	var c Cache
	first, err := c.Load("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	again, err := c.Load("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	if first != again {
		t.Error("the second load returned a new location: the zone file was read again")
	}
	summer := time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC).In(first)
	if name, _ := summer.Zone(); name != "BST" {
		t.Errorf("noon UTC on 1 July in London reads as %s, want BST", name)
	}
}

func TestACacheRefusesAnUnknownZoneAndNamesIt(t *testing.T) {
	var c Cache
	_, err := c.Load("Mars/Olympus_Mons")
	if err == nil || !strings.HasPrefix(err.Error(), `time zone "Mars/Olympus_Mons"`) {
		t.Errorf("got %v, want an error naming the zone", err)
	}
	if _, ok := c.m.Load("Mars/Olympus_Mons"); ok {
		t.Error("an unknown zone was cached")
	}
}

func TestACacheIsSafeForConcurrentUse(t *testing.T) {
	var c Cache
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for _, name := range []string{"UTC", "Asia/Tokyo", "America/New_York"} {
				if _, err := c.Load(name); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
}
