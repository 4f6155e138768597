//go:build linux || darwin || freebsd || netbsd || openbsd

package httpx

import (
	"errors"
	"net"
	"syscall"
	"time"
)

// watchConn waits, without consuming anything, for the socket to become
// readable while the handler runs: between requests the client sends
// nothing (browsers and Go's client do not pipeline), so readable means
// either end of stream (the client hung up) or the next request (not a
// hang-up; the watch ends and fasthttp reads it as usual). A peek with
// MSG_PEEK leaves every byte where fasthttp will read it.
func watchConn(conn net.Conn, gone func()) (stop func()) {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return func() {}
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return func() {}
	}
	// fasthttp's read deadline covers reading the request; the watch must
	// outlive it. fasthttp sets its own deadline again before the next read.
	if err := conn.SetReadDeadline(time.Time{}); err != nil {
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		var buf [1]byte
		hungUp := false
		err := rc.Read(func(fd uintptr) bool {
			n, _, err := syscall.Recvfrom(int(fd), buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
			switch {
			case errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.EINTR):
				return false // nothing yet: wait until readable
			case err != nil || n == 0:
				hungUp = true // reset, or end of stream
			}
			return true
		})
		if err == nil && hungUp {
			gone()
		}
	}()
	return func() {
		// A deadline in the past wakes the waiting read; then the
		// connection gets back the no-deadline state fasthttp expects.
		conn.SetReadDeadline(time.Unix(1, 0))
		<-done
		conn.SetReadDeadline(time.Time{})
	}
}
