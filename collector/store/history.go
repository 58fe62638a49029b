package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/branchready/branchready/result"
)

// DescriptorVersion is one version of a branch's descriptor and the moment
// the collector first received it. Versions kept from before the history
// existed carry the zero time: they apply to every earlier day.
type DescriptorVersion struct {
	EffectiveAt time.Time          `json:"effective_at"`
	Descriptor  *result.Descriptor `json:"descriptor"`
}

// History keeps every version of each branch's descriptor, so that a past
// day is judged by the rules that held on it. Both stores implement it;
// storetest holds them to it.
//
// PutBranch appends a version when the descriptor it is given differs from
// the branch's latest one (the same descriptor sent again adds nothing).
type History interface {
	// DescriptorVersions returns a branch's descriptor versions, oldest first.
	DescriptorVersions(ctx context.Context, branch string) ([]DescriptorVersion, error)
}

// ScanDescriptorVersions reads rows of (effective_at, descriptor), the time
// in unix nanoseconds (0: since the beginning), the descriptor as JSON text.
func ScanDescriptorVersions(rows Rows) ([]DescriptorVersion, error) {
	out := []DescriptorVersion{}
	for rows.Next() {
		var at int64
		var text string
		if err := rows.Scan(&at, &text); err != nil {
			return nil, err
		}
		v, err := DecodeDescriptorVersion(at, []byte(text))
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// DecodeDescriptorVersion is the version stored with effective time at, in
// unix nanoseconds (0: since the beginning), and descriptor JSON js.
func DecodeDescriptorVersion(at int64, js []byte) (DescriptorVersion, error) {
	v := DescriptorVersion{Descriptor: &result.Descriptor{}}
	if at != 0 {
		v.EffectiveAt = time.Unix(0, at).UTC()
	}
	if err := json.Unmarshal(js, v.Descriptor); err != nil {
		return DescriptorVersion{}, err
	}
	return v, nil
}
