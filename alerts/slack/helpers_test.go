package slack_test

import "strings"

func stringsReader(s string) *strings.Reader { return strings.NewReader(s) }

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}
