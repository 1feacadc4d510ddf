// Package operatorproc builds the operator binary from main.go and runs it
// as a child process in tests, the way a Deployment runs it: with its own
// flags, a kubeconfig, a private HOME for Helm, and its log in a file. A
// test can SIGKILL it (a crash: nothing is flushed, no lease is released)
// or stop it with SIGTERM, and start a new one against the same cluster.
//
// Every process gets a parent-death signal, so none outlives the test
// binary even when that is killed.
package operatorproc
