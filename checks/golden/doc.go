// Package golden holds the golden-file test loop that the device-check
// tests share: one folder per case under testdata/, its files compared
// with what the test produced, and one -update flag that rewrites them.
// Only tests import it.
package golden
