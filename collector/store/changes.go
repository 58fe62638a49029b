package store

import (
	"encoding/json"
	"fmt"

	"github.com/branchready/branchready/result"
)

// ContactRow is a branch's contact as an incremental read lists it: the
// heartbeat is left as the stored JSON, so that a reader that already holds
// this contact (one its own ingest wrote) does not decode it again.
type ContactRow struct {
	ID string
	// Contact has Health nil; see Heartbeat.
	Contact Contact
	// Heartbeat is the stored heartbeat JSON, nil when the agent sent none.
	Heartbeat []byte
}

// Branch decodes the heartbeat and returns the branch without its
// descriptor.
func (r ContactRow) Branch() (Branch, error) {
	b := Branch{ID: r.ID, Contact: r.Contact}
	if r.Heartbeat != nil {
		b.Contact.Health = new(result.Health)
		if err := json.Unmarshal(r.Heartbeat, b.Contact.Health); err != nil {
			return b, fmt.Errorf("branch %q: decode heartbeat: %w", r.ID, err)
		}
	}
	return b, nil
}
