// Package ray runs real Ray, from a pip-installed virtualenv, as local
// processes started exactly from the pods the ray-cluster chart renders, with
// a real redis-server as the GCS store. It is the only test tier that shows
// what GCS fault tolerance promises: workers find a replaced head under the
// same address, the GCS reloads its state from Redis, and the cluster carries
// on. It also runs the chart's probes against a real head and the operator's
// Redis clean-up against keys Ray itself wrote.
//
// A "pod" here is a process group started from one rendered container:
// its command and args, and its env with secretKeyRef and fieldRef values
// resolved the way the kubelet would. The one deviation from the rendered
// pods is name resolution: the head Service FQDN does not resolve on a
// machine without cluster DNS, so it is replaced by the head node's loopback
// address (HeadIP) in the worker's command and env. Everything that would make two
// Ray nodes collide on one machine (node IP, temp dir, ports) is set in the
// RayCluster spec's rayStartParams, as a user could.
//
// The tests need the virtualenv that `make ray-venv` creates in bin/ray-venv
// (or the folder named by RAY_VENV) and redis-server; they skip, saying why,
// without them and under -short.
package ray
