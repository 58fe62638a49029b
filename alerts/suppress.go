package alerts

import "time"

// suppressor returns the id of the open incident that explains inc, or "".
// A silent agent explains everything at its branch; an unreachable branch
// explains its devices' incidents; a device that another depends on (the
// branch router an ATM sits behind) explains the dependent's, up the chain.
func (p *Policy) suppressor(b *Branch, inc *Incident) string {
	if inc.Kind == KindAgentSilent {
		return ""
	}
	if s := b.open(Key{Branch: b.ID, Check: string(KindAgentSilent)}); s != nil {
		return s.ID
	}
	if inc.Kind == KindUnreachable {
		return ""
	}
	if s := b.open(Key{Branch: b.ID, Check: string(KindUnreachable)}); s != nil {
		return s.ID
	}
	seen := map[string]bool{inc.Key.Device: true}
	for dev := b.device(inc.Key.Device); dev != nil && dev.DependsOn != "" && !seen[dev.DependsOn]; dev = b.device(dev.DependsOn) {
		seen[dev.DependsOn] = true
		if s := b.openOfDevice(dev.DependsOn); s != nil {
			return s.ID
		}
	}
	return ""
}

// openOfDevice returns an open incident of any check of the device.
func (b *Branch) openOfDevice(device string) *Incident {
	for _, inc := range b.Incidents {
		if inc.Kind == KindCheck && inc.Key.Device == device && inc.Open() {
			return inc
		}
	}
	return nil
}

// muter returns the id of an active silence or maintenance window that
// matches inc, or "".
func (p *Policy) muter(b *Branch, inc *Incident, now time.Time) string {
	for _, list := range [][]Silence{p.maint, b.Silences} {
		for i := range list {
			s := &list[i]
			if s.Active(now) && s.Matcher.Matches(inc) {
				return s.ID
			}
		}
	}
	return ""
}
