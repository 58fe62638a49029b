package xfs4iot

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// FuzzPayloads judges arbitrary Common.Status and Storage.GetStorage
// payloads and message envelopes, seeded from the golden devices: nothing
// a service sends may crash the check.
func FuzzPayloads(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*", "device.json"))
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		var services map[string]map[string]json.RawMessage
		if json.Unmarshal(raw, &services) != nil {
			continue
		}
		for _, commands := range services {
			for _, payload := range commands {
				f.Add([]byte(payload))
			}
		}
	}
	f.Add([]byte(`{"header":{"type":"completion","name":"Common.Status","requestId":1,"completionCode":"hardwareError","errorDescription":"x"},"payload":{}}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		var p statusPayload
		if json.Unmarshal(raw, &p) == nil {
			state, _ := p.judge()
			_ = state
			_ = p.hasCash()
		}
		_ = judgeStorage(raw)
		var m message
		if json.Unmarshal(raw, &m) == nil {
			_ = completionError(m)
		}
	})
}
