package bench

import (
	"testing"

	"wuye/internal/platform/db/dbtest"
)

// TestMain drops the databases the benchmarks create.
func TestMain(m *testing.M) { dbtest.Main(m) }
