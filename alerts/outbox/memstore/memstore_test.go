package memstore_test

import (
	"testing"

	"github.com/branchready/branchready/alerts/outbox"
	"github.com/branchready/branchready/alerts/outbox/memstore"
	"github.com/branchready/branchready/alerts/outbox/outboxtest"
)

func TestConformance(t *testing.T) {
	outboxtest.Run(t, func(*testing.T) outbox.Store { return memstore.New() })
}
