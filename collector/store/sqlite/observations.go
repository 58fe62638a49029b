package sqlite

import (
	"fmt"

	"github.com/branchready/branchready/result"
)

// observations encodes m as JSON text, or NULL when there are none. It is
// json.Marshal's text without reflection (Marshal's reflection and key
// sorting were a twentieth of the writer's CPU per result,
// BenchmarkWriteBatchWave).
func observations(m map[string]float64) (any, error) {
	if len(m) == 0 {
		return nil, nil
	}
	b, err := result.AppendObservations(make([]byte, 0, 32*len(m)), m)
	if err != nil {
		return nil, fmt.Errorf("encode observations: %w", err)
	}
	return string(b), nil
}
