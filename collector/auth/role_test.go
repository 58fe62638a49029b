package auth

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

func TestEachRoleMayDoWhatItIsResponsibleFor(t *testing.T) {
	tests := []struct {
		role Role
		may  []Action
	}{
		{BranchStaff, []Action{View, Confirm, Acknowledge}},
		{RegionManager, []Action{View, Acknowledge, Silence}},
		{Operations, []Action{View, Confirm, Acknowledge, Silence}},
		{Admin, []Action{View, Administer}},
	}
	all := []Action{View, Confirm, Acknowledge, Silence, Administer}
	for _, tc := range tests {
		t.Run(string(tc.role)+" may do exactly its actions", func(t *testing.T) {
			for _, a := range all {
				want := false
				for _, m := range tc.may {
					want = want || m == a
				}
				if got := tc.role.Can(a); got != want {
					t.Errorf("%s may %s: %v, want %v", tc.role, a, got, want)
				}
			}
		})
	}
}

func TestAPersonCoversOnlyTheirBranchesOrRegions(t *testing.T) {
	tests := []struct {
		name           string
		p              Person
		branch, region string
		want           bool
	}{
		{"branch staff cover their own branch", Person{Role: BranchStaff, Branches: []string{"lon-1"}}, "lon-1", "south", true},
		{"branch staff do not cover a neighbour in the same region", Person{Role: BranchStaff, Branches: []string{"lon-1"}}, "lon-2", "south", false},
		{"a region manager covers a branch of their region", Person{Role: RegionManager, Regions: []string{"south"}}, "lon-2", "south", true},
		{"a region manager does not cover another region", Person{Role: RegionManager, Regions: []string{"south"}}, "edi-1", "north", false},
		{"a region manager does not cover a branch with no region", Person{Role: RegionManager, Regions: []string{"south"}}, "x", "", false},
		{"operations cover every branch", Person{Role: Operations}, "edi-1", "north", true},
		{"admin covers every branch", Person{Role: Admin}, "edi-1", "", true},
		{"an unknown role covers nothing", Person{Role: "guest"}, "lon-1", "south", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.p.Covers(tc.branch, tc.region); got != tc.want {
				t.Errorf("Covers(%q, %q) = %v, want %v", tc.branch, tc.region, got, tc.want)
			}
		})
	}
}

func TestRequireCarriesThePersonAndAllowRefusesOtherRolesWithTheReason(t *testing.T) {
	h, _ := bcrypt.GenerateFromPassword([]byte("pw"), bcrypt.MinCost)
	u, err := NewAccounts([]Account{
		{Person: Person{Name: "sam", Role: BranchStaff, Branches: []string{"lon-1"}}, PasswordBcrypt: string(h)},
		{Person: Person{Name: "ops"}, PasswordBcrypt: string(h)},
	})
	if err != nil {
		t.Fatal(err)
	}
	var seen Person
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { seen, _ = PersonFrom(r.Context()) })
	srv := u.Require(Allow(Silence, ok))
	for range 2 { // the second login comes from the cache and must carry the role too
		w := login(srv, "192.0.2.1", "sam", "pw")
		if w.Code != http.StatusForbidden || !strings.Contains(w.Body.String(), "sam has role branch_staff, which may not manage silences and maintenance (roles that may: region_manager, operations)") {
			t.Errorf("branch staff silencing: %d %q", w.Code, w.Body.String())
		}
	}
	if w := login(srv, "192.0.2.1", "ops", "pw"); w.Code != http.StatusOK || seen.Name != "ops" || seen.Role != Operations {
		t.Errorf("a user without a role: %d, person %+v; want operations let through", w.Code, seen)
	}
	w := httptest.NewRecorder()
	Allow(View, ok).ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
	if w.Code != http.StatusForbidden {
		t.Errorf("a route whose login was forgotten answered %d, want 403", w.Code)
	}
}
