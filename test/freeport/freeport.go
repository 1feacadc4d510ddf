/*
Copyright 2026 The ray-ha-operator Authors.
*/

// Package freeport finds free loopback ports for the processes the tests
// start (etcd, kube-apiserver, redis-server, metrics endpoints). It imports
// nothing of the project, so every test package, the simulated cluster
// included, takes its ports from here.
package freeport

import (
	"fmt"
	"net"
)

// Ray reserves these ports for its worker processes by default; a port
// handed out there could be taken by a Ray worker of a test that runs Ray.
const rayWorkerLow, rayWorkerHigh = 10002, 19999

// Get asks the kernel for a free loopback port outside Ray's worker port
// range. The port is released before the caller binds it; a collision in
// that window fails the caller's start loudly rather than silently sharing
// a port.
func Get() (int, error) {
	for range 20 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, fmt.Errorf("finding a free port: %w", err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		_ = l.Close()
		if port < rayWorkerLow || port > rayWorkerHigh {
			return port, nil
		}
	}
	return 0, fmt.Errorf("finding a free port: none outside Ray's worker port range %d-%d", rayWorkerLow, rayWorkerHigh)
}
