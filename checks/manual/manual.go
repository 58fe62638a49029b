package manual

import (
	"context"
	"time"

	"github.com/branchready/branchready/checks"
	"github.com/branchready/branchready/result"
)

// Config is the manual kind's options.
type Config struct {
	Instructions string `yaml:"instructions" doc:"What the person confirming should check, shown while pending."`
}

// Confirmation is one person's word on one item for one day.
type Confirmation = result.Confirmation

// Book finds today's confirmation of an item.
type Book interface {
	Lookup(device, check, date string) (Confirmation, bool, error)
}

// Check is a compiled manual check.
type Check struct {
	target checks.Target
	text   string
	book   Book
	today  func() (date string, loc *time.Location)
}

// New builds a Check; today returns the branch-local date and zone.
func New(c Config, t checks.Target, book Book, today func() (string, *time.Location)) (*Check, error) {
	return &Check{target: t, text: c.Instructions, book: book, today: today}, nil
}

// Run looks up today's confirmation.
func (c *Check) Run(ctx context.Context) checks.Outcome {
	date, loc := c.today()
	conf, ok, err := c.book.Lookup(c.target.Device, c.target.Check, date)
	switch {
	case err != nil:
		return checks.Unknown("cannot read confirmations: %v", err)
	case !ok:
		if c.text != "" {
			return checks.Unknown("waiting for a member of staff to confirm: %s", c.text)
		}
		return checks.Unknown("waiting for a member of staff to confirm")
	case conf.Problem != "":
		return checks.Fail("%s reported a problem at %s: %s", conf.By, conf.At.In(loc).Format("15:04"), conf.Problem)
	}
	return checks.OK("confirmed by %s at %s", conf.By, conf.At.In(loc).Format("15:04"))
}
