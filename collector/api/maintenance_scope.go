package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/branchready/branchready/calendar"
	"github.com/branchready/branchready/collector/auth"
	"github.com/branchready/branchready/collector/store"
)

// MaintenanceInput is a maintenance window as the API and the board's form
// make it: for one branch or a whole region, some devices (none: every
// device of the branch), one-off (start, end) or recurring (weekday, nth,
// at, for), in a time zone (empty: each branch's own), and why.
type MaintenanceInput struct {
	Branch   string   `json:"branch"`
	Region   string   `json:"region"`
	Devices  []string `json:"devices"`
	Start    string   `json:"start"`
	End      string   `json:"end"`
	Weekday  string   `json:"weekday"`
	Nth      int      `json:"nth"`
	At       string   `json:"at"`
	For      string   `json:"for"`
	Timezone string   `json:"timezone"`
	Comment  string   `json:"comment"`
}

// ErrMaintenanceScope is returned for a window a scoped person may not make.
var ErrMaintenanceScope = errors.New("a maintenance window must name one of your regions or one of your branches")

// ErrMaintenanceInput marks a window that is not well made (400, not 403).
var ErrMaintenanceInput = errors.New("maintenance window not valid")

// Window checks the input and returns the record to store, without id or author.
func (in MaintenanceInput) Window() (store.MaintenanceRecord, error) {
	bad := func(format string, a ...any) (store.MaintenanceRecord, error) {
		return store.MaintenanceRecord{}, fmt.Errorf("%w: %s", ErrMaintenanceInput, fmt.Sprintf(format, a...))
	}
	in.Branch, in.Region, in.Comment = strings.TrimSpace(in.Branch), strings.TrimSpace(in.Region), strings.TrimSpace(in.Comment)
	if (in.Branch == "") == (in.Region == "") {
		return bad("name either a branch or a region")
	}
	if in.Comment == "" {
		return bad("comment: say why (kept with the window)")
	}
	w := calendar.Window{Name: in.Comment, Devices: slices.DeleteFunc(slices.Clone(in.Devices), func(s string) bool { return strings.TrimSpace(s) == "" }),
		Timezone: in.Timezone, Start: in.Start, End: in.End, Weekday: in.Weekday, Nth: in.Nth, At: in.At}
	if in.For != "" {
		d, err := time.ParseDuration(in.For)
		if err != nil {
			return bad(`for: %q: want a duration such as "4h"`, in.For)
		}
		w.For = d
	}
	// Checked as the calendar will compile it: with some device (none
	// means all of the branch) and a zone (none means each branch's own).
	check := w
	if len(check.Devices) == 0 {
		check.Devices = []string{"all"}
	}
	if _, probs := calendar.CompileWindow(check, "UTC"); probs != nil {
		return bad("%s: %s", probs[0].Path, probs[0].Msg)
	}
	return store.MaintenanceRecord{Branch: in.Branch, Region: in.Region, Window: w, Comment: in.Comment}, nil
}

// MayMaintain returns nil when p may make or delete a window of branch or
// region: bank-wide roles any, region managers those of their regions and
// of the branches in them (as silences).
func MayMaintain(ctx context.Context, dir Directory, p auth.Person, branch, region string) error {
	if p.Everywhere() {
		return nil
	}
	if branch == "" {
		if slices.Contains(p.Regions, region) {
			return nil
		}
		return ErrMaintenanceScope
	}
	if b, err := dir.Branch(ctx, branch); err == nil && p.Covers(b.ID, RegionOf(b)) {
		return nil
	}
	return ErrMaintenanceScope
}

// CreateMaintenance checks and stores a window made by p at now.
func CreateMaintenance(ctx context.Context, st store.Maintenance, dir Directory, p auth.Person, in MaintenanceInput, now time.Time) (store.MaintenanceRecord, error) {
	m, err := in.Window()
	if err != nil {
		return m, err
	}
	if err := MayMaintain(ctx, dir, p, m.Branch, m.Region); err != nil {
		return m, err
	}
	if m.Branch != "" {
		if _, err := dir.Branch(ctx, m.Branch); err != nil {
			return m, fmt.Errorf("%w: branch %q: %w", ErrMaintenanceInput, m.Branch, err)
		}
	}
	var id [6]byte
	_, _ = rand.Read(id[:])
	m.ID, m.CreatedBy, m.CreatedAt = "mw-"+hex.EncodeToString(id[:]), p.Name, now.UTC()
	return m, st.PutMaintenance(ctx, m)
}

// VisibleMaintenance returns the windows p sees, newest first: those of
// branches in scope and of their regions; deleted ones only with all.
func VisibleMaintenance(ctx context.Context, st store.Maintenance, dir Directory, p auth.Person, all bool) ([]store.MaintenanceRecord, error) {
	ws, err := st.MaintenanceWindows(ctx)
	if err != nil {
		return nil, err
	}
	sc, err := ScopeOf(ctx, dir, p)
	if err != nil {
		return nil, err
	}
	out := []store.MaintenanceRecord{}
	for i := len(ws) - 1; i >= 0; i-- {
		m := ws[i]
		if (all || m.DeletedAt.IsZero()) && sc.HasWindow(m) {
			out = append(out, m)
		}
	}
	return out, nil
}

// HasWindow reports whether a window applies to a branch of the scope.
func (s Scope) HasWindow(m store.MaintenanceRecord) bool {
	if s.all {
		return true
	}
	if m.Branch != "" {
		return s.Has(m.Branch)
	}
	for _, reg := range s.branches {
		if reg == m.Region {
			return true
		}
	}
	return false
}

// DeleteMaintenance deletes a window p sees and may change; one out of
// scope is store.ErrNotFound, as an unknown one.
func DeleteMaintenance(ctx context.Context, st store.Maintenance, dir Directory, p auth.Person, id string, now time.Time) error {
	ws, err := VisibleMaintenance(ctx, st, dir, p, false)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(ws, func(m store.MaintenanceRecord) bool { return m.ID == id })
	if i < 0 {
		return fmt.Errorf("maintenance window %s: %w", id, store.ErrNotFound)
	}
	if err := MayMaintain(ctx, dir, p, ws[i].Branch, ws[i].Region); err != nil {
		return err
	}
	return st.DeleteMaintenance(ctx, id, p.Name, now)
}

// RegionOf is a stored branch's region (from its descriptor).
func RegionOf(b store.Branch) string { return region(b) }
