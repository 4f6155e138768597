package host

import (
	"os"
	"testing"

	"regie/internal/testkit"
)

// The PostgreSQL backend's tests share one throwaway cluster per test
// binary; without PostgreSQL they skip. The benchmarks' data folder goes
// after the run.
func TestMain(m *testing.M) {
	code := testkit.PostgresMain(m)
	removeBenchWorld()
	os.Exit(code)
}
