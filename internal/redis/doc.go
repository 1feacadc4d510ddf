// Package redis is the operator's client side of Ray's GCS fault tolerance:
// it reads the Redis address the way Ray does, connects with the cluster's
// credentials and TLS settings, checks that Redis answers, and deletes the
// GCS data of one storage namespace once its cluster is gone.
//
// It knows nothing about Kubernetes: callers read Secrets, ConfigMaps and
// annotations and pass plain values in. Nothing in this package puts a
// password into an error, a log line or a String() result, because callers
// copy those into events and status.
//
// Only single-shard Redis is supported (one primary, any number of replicas),
// which is also what Ray documents for GCS fault tolerance.
package redis
