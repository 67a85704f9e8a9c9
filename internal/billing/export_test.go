package billing

// SetRunHook makes bill runs insert batch lines per statement and call fn
// after each batch inside the run's transaction (nil: no hook), so a test
// can fail a run halfway.
func SetRunHook(s *Service, batch int, fn func(inserted int) error) {
	s.batch, s.afterBatch = batch, fn
}
