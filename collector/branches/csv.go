package branches

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Row is one branch as a CSV line or an admin request gives it.
type Row struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Region  string `json:"region"`
	Channel string `json:"channel"`
}

// columns are the CSV file's columns, in order, as its header names them.
var columns = []string{"id", "name", "region", "channel"}

// idChars and maxIDLen are the agent configuration's rule for branch ids
// (config.validID): an id in the registry must be one an agent can use.
const (
	idChars  = "abcdefghijklmnopqrstuvwxyz0123456789._-"
	maxIDLen = 64
)

// ErrInvalid marks a branch that cannot be registered as given.
var ErrInvalid = errors.New("invalid branch")

// Validate says what is wrong with r (wrapping ErrInvalid), or nil.
func (r Row) Validate() error {
	switch {
	case r.ID == "":
		return fmt.Errorf("%w: id: must be set", ErrInvalid)
	case len(r.ID) > maxIDLen || strings.Trim(r.ID, idChars) != "" || r.ID[0] == '.' || r.ID[0] == '-':
		return fmt.Errorf("%w: id %q: must be 1-64 lowercase letters, digits, '.', '_' or '-', not starting with '.' or '-'", ErrInvalid, r.ID)
	case strings.TrimSpace(r.Name) == "":
		return fmt.Errorf("%w: branch %s: name: must be set", ErrInvalid, r.ID)
	}
	return nil
}

// ParseCSV reads a branches file: a header line naming the columns id,
// name, region, channel, then one branch a line. It reports every bad line
// at once, each with its file name and line number; rows are returned only
// when there are none.
func ParseCSV(name string, in io.Reader) ([]Row, error) {
	r := csv.NewReader(in)
	r.FieldsPerRecord = -1 // counted below, to say which line is short
	r.TrimLeadingSpace = true
	var rows []Row
	var errs []error
	seen := map[string]int{}
	bad := func(line int, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s:%d: %s", name, line, fmt.Sprintf(format, args...)))
	}
	for first := true; ; first = false {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			if first {
				bad(1, "empty file: want a header line %s", strings.Join(columns, ","))
			}
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			if errors.Is(pe.Err, csv.ErrQuote) && pe.StartLine < pe.Line {
				// The reader ran on from the opening quote, taking the
				// lines after it as part of the field: the line to fix is
				// where the quote opened, not where the reader gave up.
				bad(pe.StartLine, "a quoted field opens on this line and is never closed (read on to line %d as one field)", pe.Line)
			} else {
				bad(pe.Line, "column %d: %v", pe.Column, pe.Err)
			}
			continue
		}
		line, _ := r.FieldPos(0) // after the error check: a failed read may have no field
		if first {
			if got := strings.ToLower(strings.Join(trim(rec), ",")); got != strings.Join(columns, ",") {
				bad(line, "header %q: want %s", strings.Join(rec, ","), strings.Join(columns, ","))
			}
			continue
		}
		if len(rec) != len(columns) {
			bad(line, "%d fields: want %d (%s)", len(rec), len(columns), strings.Join(columns, ","))
			continue
		}
		rec = trim(rec)
		row := Row{ID: rec[0], Name: rec[1], Region: rec[2], Channel: rec[3]}
		if err := row.Validate(); err != nil {
			bad(line, "%s", strings.TrimPrefix(err.Error(), ErrInvalid.Error()+": "))
			continue
		}
		if prev, dup := seen[row.ID]; dup {
			bad(line, "id %q: already on line %d", row.ID, prev)
			continue
		}
		seen[row.ID] = line
		rows = append(rows, row)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return rows, nil
}

func trim(rec []string) []string {
	out := make([]string, len(rec))
	for i, f := range rec {
		out[i] = strings.TrimSpace(f)
	}
	return out
}
