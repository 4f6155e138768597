//go:build !(linux || darwin || freebsd || netbsd || openbsd)

package httpx

import "net"

// watchConn watches nothing where there is no non-consuming peek: requests
// there end at shutdown only.
func watchConn(net.Conn, func()) (stop func()) { return func() {} }
