/*
Copyright 2026 The ray-ha-operator Authors.
*/

package freeport

import (
	"net"
	"strconv"
	"testing"
)

func TestGetIsBindableAndOutsideRaysRange(t *testing.T) {
	for range 5 {
		port, err := Get()
		if err != nil {
			t.Fatal(err)
		}
		if port >= rayWorkerLow && port <= rayWorkerHigh {
			t.Fatalf("port %d is in Ray's worker range", port)
		}
		l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
		if err != nil {
			t.Fatalf("binding the free port %d: %v", port, err)
		}
		l.Close()
	}
}
