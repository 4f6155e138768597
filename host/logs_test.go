package host

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
)

// logLines collects a host's log lines for a test to count.
type logLines struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logLines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// logger writes to l; a nil l is the host's default (nothing).
func (l *logLines) logger() *slog.Logger {
	if l == nil {
		return nil
	}
	return slog.New(slog.NewTextHandler(l, nil))
}

// count is the number of lines holding every one of parts.
func (l *logLines) count(parts ...string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, line := range strings.Split(l.buf.String(), "\n") {
		all := line != ""
		for _, p := range parts {
			all = all && strings.Contains(line, p)
		}
		if all {
			n++
		}
	}
	return n
}

func (l *logLines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}
