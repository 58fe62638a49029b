package branches

import (
	"strconv"
	"strings"

	"github.com/branchready/branchready/collector/auth"
)

func sum(token string) [32]byte { return auth.SumToken(token) }
func lower(s string) string     { return strings.ToLower(s) }
func itoa(i int) string         { return strconv.Itoa(i) }
