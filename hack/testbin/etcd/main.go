// Command etcd is etcd's server main, built from the Go module proxy so that
// envtest and the simulated cluster need no downloaded binary.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
