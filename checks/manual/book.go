package manual

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"
)

// FileBook keeps confirmations as JSON lines in one file; the last line for
// an item and day wins. Each confirmation is appended and synced before
// Confirm returns, so a confirmation survives a power cut.
type FileBook struct {
	mu   sync.Mutex
	path string
}

// NewFileBook returns a book stored at path (created on first Confirm).
func NewFileBook(path string) *FileBook { return &FileBook{path: path} }

// Confirm appends c.
func (b *FileBook) Confirm(c Confirmation) error {
	if c.By == "" {
		return errors.New("a confirmation needs the name of the person confirming")
	}
	line, err := json.Marshal(c)
	if err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	f, err := os.OpenFile(b.path, os.O_CREATE|os.O_APPEND|os.O_RDWR, 0o640)
	if err != nil {
		return fmt.Errorf("open confirmations: %w", err)
	}
	if torn(f) {
		// A power cut tore the last line: start on a fresh one, so this
		// confirmation is not glued to the broken one and lost with it.
		line = append([]byte{'\n'}, line...)
	}
	if _, err := f.Write(append(line, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("write confirmation: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("sync confirmation: %w", err)
	}
	return f.Close()
}

// torn reports whether the file's last byte is not a newline.
func torn(f *os.File) bool {
	st, err := f.Stat()
	if err != nil || st.Size() == 0 {
		return false
	}
	var last [1]byte
	if _, err := f.ReadAt(last[:], st.Size()-1); err != nil {
		return false
	}
	return last[0] != '\n'
}

// Lookup returns the latest confirmation of an item for a date.
func (b *FileBook) Lookup(device, check, date string) (Confirmation, bool, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	f, err := os.Open(b.path)
	if errors.Is(err, fs.ErrNotExist) {
		return Confirmation{}, false, nil
	}
	if err != nil {
		return Confirmation{}, false, err
	}
	defer f.Close()
	var found Confirmation
	ok := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var c Confirmation
		if json.Unmarshal(sc.Bytes(), &c) != nil {
			continue // a torn last line after a power cut
		}
		if c.Device == device && c.Check == check && c.Date == date {
			found, ok = c, true
		}
	}
	return found, ok, sc.Err()
}

// MemoryBook is a Book held in memory, for the demo and tests.
type MemoryBook struct {
	mu sync.Mutex
	m  map[[3]string]Confirmation
}

// Confirm records c unless the book holds a later word on the same item.
func (b *MemoryBook) Confirm(c Confirmation) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.m == nil {
		b.m = map[[3]string]Confirmation{}
	}
	k := [3]string{c.Device, c.Check, c.Date}
	if old, ok := b.m[k]; ok && old.At.After(c.At) {
		return
	}
	b.m[k] = c
}

// Merged looks an item up in several books (the branch PC's own file and
// the confirmations made on the collector's board); the latest word wins.
type Merged []Book

// Lookup returns the latest confirmation of an item for a date in any book.
func (m Merged) Lookup(device, check, date string) (Confirmation, bool, error) {
	var best Confirmation
	found := false
	for _, b := range m {
		c, ok, err := b.Lookup(device, check, date)
		if err != nil {
			return Confirmation{}, false, err
		}
		if ok && (!found || c.At.After(best.At)) {
			best, found = c, true
		}
	}
	return best, found, nil
}

// Lookup returns the confirmation of an item for a date.
func (b *MemoryBook) Lookup(device, check, date string) (Confirmation, bool, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	c, ok := b.m[[3]string{device, check, date}]
	return c, ok, nil
}
