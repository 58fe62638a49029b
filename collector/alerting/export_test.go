package alerting

// SetReplayBatch sets how many branches a replay query reads, for a test
// of a few branches; the func it returns restores it.
func SetReplayBatch(n int) (restore func()) {
	old := replayBatch
	replayBatch = n
	return func() { replayBatch = old }
}
