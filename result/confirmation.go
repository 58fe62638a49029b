package result

import (
	"fmt"
	"time"
)

// Confirmation is a member of staff's word on a manual checklist item for
// one branch-local day: confirmed, or a problem reported.
type Confirmation struct {
	Device string    `json:"device"`
	Check  string    `json:"check"`
	Date   string    `json:"date"`
	By     string    `json:"by"`
	At     time.Time `json:"at"`
	// Problem, when set, says the item was checked and is not fine.
	Problem string `json:"problem,omitempty"`
}

// Validate reports the first rule c breaks.
func (c *Confirmation) Validate() error {
	switch {
	case c.Device == "" || c.Check == "":
		return fmt.Errorf("device and check: must name the manual item")
	case c.By == "":
		return fmt.Errorf("by: must name the person confirming")
	case len(c.By) > MaxNameLen:
		return fmt.Errorf("by: longer than %d bytes", MaxNameLen)
	case len(c.Problem) > MaxReasonLen:
		return fmt.Errorf("problem: longer than %d bytes", MaxReasonLen)
	case c.At.IsZero():
		return fmt.Errorf("at: must be set")
	}
	if _, err := time.Parse(time.DateOnly, c.Date); err != nil {
		return fmt.Errorf("date %q: must be YYYY-MM-DD", c.Date)
	}
	return nil
}
