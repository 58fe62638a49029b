package xfs4iot

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"unicode"
)

// report is what one service told us, already judged.
type report struct {
	name     string // "cash dispenser"
	state    string // "online", "hardware error", "did not answer ..."
	findings []finding
}

// severity orders findings; the worst decides the verdict.
type severity int

const (
	fine severity = iota
	degraded
	failed
)

// finding is one judged fact about a service.
type finding struct {
	sev  severity
	text string
}

func (r report) worst() severity {
	w := fine
	for _, f := range r.findings {
		w = max(w, f.sev)
	}
	return w
}

// query asks every service at once; a service that hangs costs the others
// nothing but the check's deadline.
func (c *Check) query(ctx context.Context, svcs []service) []report {
	reports := make([]report, len(svcs))
	var wg sync.WaitGroup
	for i, s := range svcs {
		wg.Go(func() { reports[i] = c.ask(ctx, s) })
	}
	wg.Wait()
	return reports
}

// ask queries one service: Common.Status, then its cash units.
func (c *Check) ask(ctx context.Context, s service) report {
	r := report{name: humanName(s.name)}
	sock, err := c.dial(ctx, s.uri)
	if err != nil {
		return r.broken("unreachable: " + reason(ctx, err))
	}
	defer sock.CloseNow()
	sess := &session{sock: sock}
	payload, err := sess.call(ctx, "Common.Status")
	if err != nil {
		return r.broken(callFailure(ctx, "Common.Status", err))
	}
	var st statusPayload
	if err := json.Unmarshal(payload, &st); err != nil {
		return r.broken("sent an invalid status: " + err.Error())
	}
	r.state, r.findings = st.judge()
	if !c.storage || !st.hasCash() {
		return r
	}
	payload, err = sess.call(ctx, "Storage.GetStorage")
	switch {
	case codeOf(err) == "unsupportedCommand" || codeOf(err) == "invalidCommand":
	case err != nil:
		r.findings = append(r.findings, finding{failedIf(ctx.Err() != nil), "cash units unknown: " + callFailure(ctx, "Storage.GetStorage", err)})
	default:
		r.findings = append(r.findings, judgeStorage(payload)...)
	}
	return r
}

func failedIf(timeout bool) severity {
	if timeout {
		return failed
	}
	return degraded
}

func (r report) broken(why string) report {
	r.state = why
	r.findings = append(r.findings, finding{failed, ""})
	return r
}

func callFailure(ctx context.Context, cmd string, err error) string {
	if ctx.Err() != nil {
		return "did not answer " + cmd + " before the check's timeout"
	}
	if codeOf(err) != "" {
		return "refused " + cmd + ": " + err.Error()
	}
	return cmd + " failed: " + err.Error()
}

// serviceWords are the XFS4IoT service classes in words, keyed by their
// name in lower case without separators: publishers spell service URIs
// "CashDispenser", "cashdispenser" or "cash-dispenser1".
var serviceWords = map[string]string{
	"auxiliaries": "auxiliaries", "barcodereader": "barcode reader", "biometric": "biometric reader",
	"camera": "camera", "cardreader": "card reader", "cashacceptor": "cash acceptor",
	"cashdispenser": "cash dispenser", "cashmanagement": "cash management", "cashrecycler": "cash recycler",
	"check": "cheque scanner", "checkscanner": "cheque scanner", "crypto": "crypto module",
	"deposit": "deposit module", "journalprinter": "journal printer", "keyboard": "keyboard",
	"keymanagement": "key management", "lights": "lights", "passbookprinter": "passbook printer",
	"pinpad": "PIN pad", "printer": "printer", "receiptprinter": "receipt printer",
	"textterminal": "text terminal", "vendorapplication": "vendor application", "vendormode": "vendor mode",
}

// humanName turns CashDispenser, cashdispenser or cash-dispenser2 into
// "cash dispenser" (with " 2" for a numbered second unit).
func humanName(s string) string {
	base := strings.TrimRightFunc(s, unicode.IsDigit)
	num := s[len(base):]
	key := strings.Map(func(r rune) rune {
		if r == '-' || r == '_' || r == '.' {
			return -1
		}
		return unicode.ToLower(r)
	}, base)
	if w, ok := serviceWords[key]; ok {
		if num != "" {
			return w + " " + num
		}
		return w
	}
	var b strings.Builder
	for i, r := range s {
		if unicode.IsUpper(r) && i > 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}
