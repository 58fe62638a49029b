package demo

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"time"

	"github.com/branchready/branchready/agent"
	"github.com/branchready/branchready/calendar"
	"github.com/branchready/branchready/collector/sla"
	"github.com/branchready/branchready/collector/sla/record"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/collector/store/sqlite"
	"github.com/branchready/branchready/result"
)

// HistoryDays is how many past branch-days the demo seeds, so that the SLA
// page shows a week's zones and trends from the first minute.
const HistoryDays = 7

// morning is how one past branch-day went for one branch.
type morning int

const (
	onTime    morning = iota
	late              // a blocking device failed and came back after the deadline
	flapping          // an ATM dropped in and out through the day
	silent            // the agent sent nothing: unknown
	fromSpool         // ready on time, but the results reached the collector hours later
	degraded          // a degrading device (the lobby screen) failed all day
)

// plan says how each branch's past days went, most recent last: a mix of
// good, late, flapping, silent and spooled days for every zone to show.
func plan(branch string, i int) morning {
	plans := map[string][HistoryDays]morning{
		"lon-bank-street":   {onTime, onTime, onTime, late, onTime, onTime, onTime},
		"nyc-fifth-avenue":  {flapping, onTime, late, flapping, onTime, late, flapping},
		"tyo-ginza":         {onTime, onTime, onTime, onTime, flapping, degraded, degraded},
		"syd-george-street": {onTime, silent, onTime, onTime, late, onTime, onTime},
		"ber-mitte":         {onTime, onTime, fromSpool, onTime, onTime, onTime, onTime},
		"lax-downtown":      {onTime, onTime, onTime, onTime, onTime, onTime, onTime},
	}
	return plans[branch][i]
}

// seedHistory writes each branch's descriptor and a week of past results
// (and confirmations of the manual items), then rolls the days up as the
// collector would have, each at its own closing, so that a spooled day
// keeps its revision.
func seedHistory(ctx context.Context, st *sqlite.Store, paths map[string]string, now time.Time) error {
	for id, path := range paths {
		b, err := agent.Load(path, nil)
		if err != nil {
			return err
		}
		desc := b.Config.Descriptor()
		if err := st.PutBranch(ctx, id, desc, store.Contact{At: now}); err != nil {
			return err
		}
		cal := b.Config.Calendar
		today := now.In(cal.Location())
		for i := range HistoryDays {
			day := cal.Day(today.Year(), today.Month(), today.Day()-HistoryDays+i)
			if !day.Open || plan(id, i) == silent {
				continue
			}
			rs, recv := pastDay(id, desc, day, plan(id, i))
			byRecv := map[time.Time][]result.Result{}
			for k, r := range rs {
				byRecv[recv[k]] = append(byRecv[recv[k]], r)
			}
			for at, batch := range byRecv {
				if _, _, err := st.WriteResults(ctx, batch, at); err != nil {
					return err
				}
			}
			for _, r := range rs {
				if r.Kind == "manual" && r.Status == result.StatusOK {
					c := result.Confirmation{Device: r.Device, Check: r.Check, Date: day.Date, By: "Priya Shah (lobby manager)", At: r.StartedAt}
					if err := st.PutConfirmation(ctx, id, c); err != nil {
						return err
					}
				}
			}
		}
	}
	_, err := (&sla.Roller{Store: st, Lookback: (HistoryDays + 1) * 24 * time.Hour}).RollUp(ctx, now)
	return err
}

// pastDay makes one branch-day's results and when each was received: the
// morning sweep, a late or flapping device as planned, and a result every
// half hour through business hours. Results are received in two batches,
// the morning's at the deadline (hours later for a spooled day) and the
// rest at closing, so that seeding takes a handful of transactions.
func pastDay(branch string, d *result.Descriptor, day calendar.Day, m morning) ([]result.Result, []time.Time) {
	var rs []result.Result
	var recv []time.Time
	add := func(dev result.Device, c result.CheckRef, at time.Time, ok bool, reason string) {
		s := result.StatusOK
		if !ok {
			s = result.StatusFail
		}
		if c.Kind == "manual" && ok {
			reason = "confirmed by Priya Shah (lobby manager)"
		}
		rs = append(rs, result.Result{ID: fmt.Sprintf("hist-%s-%s-%s-%s-%d", branch, day.Date, dev.ID, c.Name, at.Unix()), Branch: branch,
			Device: dev.ID, Check: c.Name, Kind: c.Kind, Status: s, StartedAt: at, DurationMS: 12, Reason: reason, Sweep: "history", AgentVersion: "demo"})
		r := day.Closing
		switch {
		case m == fromSpool && !at.After(day.Deadline):
			r = day.Deadline.Add(2 * time.Hour)
		case !at.After(day.Deadline):
			r = day.Deadline
		}
		recv = append(recv, r)
	}
	troubled := troubledDevice(d, m)
	for _, dev := range d.Devices {
		for _, c := range dev.Checks {
			first := day.SweepFrom.Add(time.Duration(5+jitter(branch, day.Date)%30+jitter(dev.ID)%5) * time.Minute)
			switch {
			case m == degraded && dev.Criticality == result.Degrading:
				for t := first; t.Before(day.Closing); t = t.Add(30 * time.Minute) {
					add(dev, c, t, false, "player stopped: playlist expired")
				}
				continue
			case dev.ID == troubled && m == late:
				add(dev, c, first, false, "connection refused")
				add(dev, c, day.Deadline.Add(time.Duration(8+jitter(branch, day.Date)%25)*time.Minute), true, "answered")
			default:
				add(dev, c, first, true, "answered")
			}
			for t := day.Opening; t.Before(day.Closing); t = t.Add(30 * time.Minute) {
				down := dev.ID == troubled && m == flapping && (t.Sub(day.Opening)/(30*time.Minute))%5 == 2
				if down {
					add(dev, c, t, false, "no answer in 2s")
				} else {
					add(dev, c, t, true, "answered")
				}
			}
		}
	}
	return rs, recv
}

// troubledDevice is the device a late or flapping day is about: the
// branch's last blocking ATM (its first otherwise).
func troubledDevice(d *result.Descriptor, m morning) string {
	if m != late && m != flapping {
		return ""
	}
	id := ""
	for _, dev := range d.Devices {
		if dev.Criticality == result.Blocking && dev.Kind != "other" && (id == "" || dev.Kind == "atm") {
			id = dev.ID
		}
	}
	return id
}

// jitter spreads times deterministically, so two runs draw the same week.
func jitter(parts ...string) int {
	h := fnv.New32a()
	for _, p := range parts {
		h.Write([]byte(p))
	}
	return int(h.Sum32() % 1000)
}

// spooledDay is the date of Berlin's spooled day (revised after its
// deadline), the record worth opening first.
func spooledDay(now time.Time) string {
	for i := range HistoryDays {
		if plan("ber-mitte", i) == fromSpool {
			loc, err := time.LoadLocation("Europe/Berlin")
			if err != nil {
				loc = time.UTC
			}
			t := now.In(loc)
			return time.Date(t.Year(), t.Month(), t.Day()-HistoryDays+i, 12, 0, 0, 0, loc).Format(time.DateOnly)
		}
	}
	return now.Format(time.DateOnly)
}

// writeRecordKey makes the demo's record-signing key and writes it (and
// its public half) beside the branch configs.
func writeRecordKey(dir string) (ed25519.PrivateKey, string, error) {
	pub, key, err := ed25519.GenerateKey(nil)
	if err != nil {
		return nil, "", err
	}
	kb, err := record.EncodePrivateKey(key)
	if err != nil {
		return nil, "", err
	}
	pb, err := record.EncodePublicKey(pub)
	if err != nil {
		return nil, "", err
	}
	path := filepath.Join(dir, "records.key")
	if err := os.WriteFile(path, kb, 0o600); err != nil {
		return nil, "", err
	}
	return key, path, os.WriteFile(filepath.Join(dir, "records.pub"), pb, 0o644)
}
