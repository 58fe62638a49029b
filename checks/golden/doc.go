// Package golden is the check kinds' support for golden-file tests: the
// dialogue with a device and the verdict are written to testdata/<case>/
// and compared on every run (or rewritten with the test's -update flag).
package golden
