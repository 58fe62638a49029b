package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"strconv"
	"time"
)

// modtimeOf is the time stamped on the packages' files: SOURCE_DATE_EPOCH
// where set (reproducible builds), else opts.Now.
func modtimeOf(opts options) time.Time {
	if s, err := strconv.ParseInt(os.Getenv("SOURCE_DATE_EPOCH"), 10, 64); err == nil {
		return time.Unix(s, 0).UTC()
	}
	return opts.Now.UTC()
}

// debianChangelog is the one-entry changelog a native package carries
// (Debian policy wants one); the project's history is its git log.
func debianChangelog(name string, opts options, at time.Time) string {
	return fmt.Sprintf("%s (%s) unstable; urgency=medium\n\n"+
		"  * Built from branchready %s;\n    the changes are in the project's git history.\n\n"+
		" -- %s  %s\n", name, opts.Version, opts.Version, opts.Maintainer, at.Format(time.RFC1123Z))
}

// gzipped compresses text the way dpkg expects docs (no name, no time in
// the header, so the same input gives the same bytes).
func gzipped(text string) (string, error) {
	var b bytes.Buffer
	w, err := gzip.NewWriterLevel(&b, gzip.BestCompression)
	if err != nil {
		return "", err
	}
	if _, err := w.Write([]byte(text)); err != nil {
		return "", err
	}
	if err := w.Close(); err != nil {
		return "", err
	}
	return b.String(), nil
}
