package host

import (
	"os"
	"testing"

	"regie/internal/testkit"
)

// The PostgreSQL backend's tests share one throwaway cluster per test
// binary; without PostgreSQL they skip.
func TestMain(m *testing.M) { os.Exit(testkit.PostgresMain(m)) }
