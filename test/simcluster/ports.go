package simcluster

import (
	"fmt"
	"net"
)

// freePort asks the kernel for a free loopback port. The port is released
// before the component binds it; a collision in that window fails the start
// loudly rather than silently sharing a port.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("finding a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
