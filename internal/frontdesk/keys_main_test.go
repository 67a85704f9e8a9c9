package frontdesk_test

import (
	"testing"

	"wuye/internal/platform/db/dbtest"
)

// TestMain drops the package's test databases when the tests end.
func TestMain(m *testing.M) { dbtest.Main(m) }
