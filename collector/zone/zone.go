package zone

import (
	"fmt"
	"sync"
	"time"
)

// Cache loads each zone once. The zero value is ready to use and safe for
// concurrent use. Unknown names are not kept, so a zone file installed
// later is found on the next call.
type Cache struct {
	m sync.Map // name -> *time.Location
}

// Load returns the named zone, loading it on first use.
func (c *Cache) Load(name string) (*time.Location, error) {
	if loc, ok := c.m.Load(name); ok {
		return loc.(*time.Location), nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("time zone %q: %w", name, err)
	}
	c.m.Store(name, loc)
	return loc, nil
}
