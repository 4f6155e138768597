package host

import (
	"testing"

	"regie/internal/testkit"
)

func TestWebManifest(t *testing.T) {
	w := newHostWorld(t)
	testkit.CheckWebManifest(t, w.base)
}
