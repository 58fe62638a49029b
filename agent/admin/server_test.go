package admin

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestReadyAnswersOnlyOnceTheAgentCanWork(t *testing.T) {
	tests := []struct {
		name  string
		ready func() error
		code  int
		body  string
	}{
		{name: "an agent whose schedule has not started is not ready, and says why",
			ready: func() error { return errors.New("the sweep schedule has not started yet") }, code: http.StatusServiceUnavailable,
			body: "not ready: the sweep schedule has not started yet"},
		{name: "an agent whose schedule runs is ready", ready: func() error { return nil }, code: http.StatusOK, body: "ok"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := &Server{Ready: tc.ready, Metrics: NewMetrics("test", Gauges{})}
			w := httptest.NewRecorder()
			s.Handler().ServeHTTP(w, httptest.NewRequest("GET", "/-/ready", nil))
			if w.Code != tc.code || !strings.Contains(w.Body.String(), tc.body) {
				t.Errorf("%d %q, want %d %q", w.Code, w.Body, tc.code, tc.body)
			}
		})
	}
}
