package ray

import (
	"fmt"
	"path/filepath"
	"strconv"

	corev1 "k8s.io/api/core/v1"

	"github.com/ray-ha-operator/ray-ha-operator/test/freeport"
)

// RayVersion is the Ray release the tests install and render for; keep it
// equal to RAY_VERSION in the Makefile.
const RayVersion = "2.60.0"

// Redis password Secret the rendered head reads REDIS_PASSWORD from.
const (
	passwordSecret = "redis-auth"
	passwordKey    = "password"
)

// Spec describes the test RayCluster.
type Spec struct {
	Name, Namespace  string
	StorageNamespace string
	RedisAddress     string
	RedisPassword    string
	// Dir is the base of the nodes' Ray temp dirs.
	Dir string
	// Worker adds one worker group ("small", one replica).
	Worker bool
	// RayVersion overrides RayVersion in the spec (it picks the probes).
	RayVersion string
	Ports      Ports
}

// Ports are the fixed ports of both nodes, chosen free once so that a
// replaced head listens where the old one did.
type Ports struct {
	GCS, Dashboard, Client, HeadAgent, HeadMetrics, WorkerAgent, WorkerMetrics int
}

// HeadTempDir is the head's Ray temp dir.
func (s Spec) HeadTempDir() string { return filepath.Join(s.Dir, "h") }

// WorkerTempDir is the worker's Ray temp dir.
func (s Spec) WorkerTempDir() string { return filepath.Join(s.Dir, "w") }

// FreePorts picks all ports (freeport.Get: outside Ray's worker port
// range, where a Ray worker could take them).
func FreePorts() (Ports, error) {
	var p Ports
	for _, f := range []*int{&p.GCS, &p.Dashboard, &p.Client, &p.HeadAgent, &p.HeadMetrics, &p.WorkerAgent, &p.WorkerMetrics} {
		port, err := freeport.Get()
		if err != nil {
			return p, err
		}
		*f = port
	}
	return p, nil
}

// Values is the chart input: the RayCluster spec plus the `cluster` key the
// operator adds. The password comes from a Secret (see Objects).
func (s Spec) Values() map[string]any {
	version := s.RayVersion
	if version == "" {
		version = RayVersion
	}
	v := map[string]any{
		"rayVersion": version,
		"cluster":    map[string]any{"name": s.Name, "uid": "0d4c1f5e-test", "domain": "cluster.local"},
		"gcsFaultToleranceOptions": map[string]any{
			"redisAddress":             s.RedisAddress,
			"externalStorageNamespace": s.StorageNamespace,
			"redisPassword": map[string]any{"valueFrom": map[string]any{
				"secretKeyRef": map[string]any{"name": passwordSecret, "key": passwordKey}}},
		},
		"headGroupSpec": map[string]any{
			"rayStartParams": map[string]any{
				"port":                        strconv.Itoa(s.Ports.GCS),
				"node-ip-address":             HeadIP,
				"temp-dir":                    s.HeadTempDir(),
				"num-cpus":                    "0",
				"object-store-memory":         "100000000",
				"dashboard-port":              strconv.Itoa(s.Ports.Dashboard),
				"ray-client-server-port":      strconv.Itoa(s.Ports.Client),
				"dashboard-agent-listen-port": strconv.Itoa(s.Ports.HeadAgent),
				"metrics-export-port":         strconv.Itoa(s.Ports.HeadMetrics),
				// Separate worker-process port ranges: both nodes share one
				// machine, as two pods never would.
				"min-worker-port": "10002",
				"max-worker-port": "10999",
			},
			"template": podTemplate("ray-head"),
		},
	}
	if s.Worker {
		v["workerGroupSpecs"] = []any{map[string]any{
			"groupName": "small",
			"replicas":  1,
			"rayStartParams": map[string]any{
				"node-ip-address":             WorkerIP,
				"temp-dir":                    s.WorkerTempDir(),
				"num-cpus":                    "1",
				"object-store-memory":         "100000000",
				"resources":                   `{"worker_node": 1}`,
				"dashboard-agent-listen-port": strconv.Itoa(s.Ports.WorkerAgent),
				"metrics-export-port":         strconv.Itoa(s.Ports.WorkerMetrics),
				"min-worker-port":             "11000",
				"max-worker-port":             "11999",
			},
			"template": podTemplate("ray-worker"),
		}}
	}
	return v
}

// podTemplate sets, as a user would in the pod template, what keeps a test
// node small and quiet: no usage-stats upload, no memory monitor.
func podTemplate(name string) map[string]any {
	return map[string]any{"spec": map[string]any{"containers": []any{map[string]any{
		"name":  name,
		"image": "rayproject/ray:" + RayVersion,
		"env": []any{
			map[string]any{"name": "RAY_USAGE_STATS_ENABLED", "value": "0"},
			map[string]any{"name": "RAY_memory_monitor_refresh_ms", "value": "0"},
		},
	}}}}
}

// Objects are the Secrets the rendered pods refer to.
func (s Spec) Objects() Objects {
	return Objects{Secrets: map[string]*corev1.Secret{
		passwordSecret: {Data: map[string][]byte{passwordKey: []byte(s.RedisPassword)}},
	}}
}

// Render renders the spec through the chart.
func (s Spec) Render() (*RenderedCluster, error) {
	rc, err := Render(s.Name, s.Namespace, s.Values())
	if err != nil {
		return nil, fmt.Errorf("rendering RayCluster %s/%s: %w", s.Namespace, s.Name, err)
	}
	return rc, nil
}
