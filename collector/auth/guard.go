package auth

import (
	"context"
	"net/http"
	"runtime"
	"time"
)

// ClientAddr is the address the request came from, without its port: what
// the per-address limits on logins and enrollment count. A proxy in front
// makes every client look alike unless it is trusted (see Proxies, which
// sets RemoteAddr to the client's); the per-user limit holds either way.
func ClientAddr(r *http.Request) string { return hostOf(r.RemoteAddr) }

// Why a login failed, as reported to the failure hook.
const (
	FailureWrongPassword = "wrong_password" // or unknown user: the two are not told apart
	FailureThrottled     = "throttled"
)

// Default login limits: failures allowed per user and per client address
// within the window.
const (
	DefaultUserFailures = 10
	DefaultAddrFailures = 30
	DefaultFailWindow   = 15 * time.Minute
)

// guard is what protects logins: throttles, a bounded bcrypt pool, a
// clock and a hook for failures.
type guard struct {
	users, addrs *Throttle
	pool         chan struct{}
	now          func() time.Time
	onFailure    func(user, addr, reason string)
}

func defaultGuard() *guard {
	return &guard{
		users: NewThrottle(DefaultUserFailures, DefaultFailWindow),
		addrs: NewThrottle(DefaultAddrFailures, DefaultFailWindow),
		// Half the cores at most: a bcrypt at DefaultCost takes ~60 ms of
		// one core, and ingest must keep the rest.
		pool:      make(chan struct{}, max(1, runtime.GOMAXPROCS(0)/2)),
		now:       time.Now,
		onFailure: func(string, string, string) {},
	}
}

func (g *guard) acquire(ctx context.Context) error {
	select {
	case g.pool <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (g *guard) release() { <-g.pool }

// GuardOptions tune login protection; zero fields keep the defaults.
type GuardOptions struct {
	UserFailures, AddrFailures int
	Window                     time.Duration
	// Workers bounds the bcrypt comparisons running at once.
	Workers int
	Now     func() time.Time
	// OnFailure is called for every refused login (log it, count it).
	OnFailure func(user, addr, reason string)
}

// Guard sets u's login protection. Call it before serving.
func (u *Users) Guard(o GuardOptions) {
	g := defaultGuard()
	if o.UserFailures > 0 || o.Window > 0 {
		g.users = NewThrottle(orInt(o.UserFailures, DefaultUserFailures), orDuration(o.Window, DefaultFailWindow))
	}
	if o.AddrFailures > 0 || o.Window > 0 {
		g.addrs = NewThrottle(orInt(o.AddrFailures, DefaultAddrFailures), orDuration(o.Window, DefaultFailWindow))
	}
	if o.Workers > 0 {
		g.pool = make(chan struct{}, o.Workers)
	}
	if o.Now != nil {
		g.now = o.Now
	}
	if o.OnFailure != nil {
		g.onFailure = o.OnFailure
	}
	u.guard = g
}

func orInt(v, def int) int {
	if v > 0 {
		return v
	}
	return def
}

func orDuration(v, def time.Duration) time.Duration {
	if v > 0 {
		return v
	}
	return def
}
