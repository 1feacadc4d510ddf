package ray

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/ray-ha-operator/ray-ha-operator/test/redisserver"
)

// The containers' resources in TestRayStartsFromContainerResources. The
// worker's requests differ from its limits so that a test passing shows the
// limits won, as in KubeRay; 2 CPUs and 1.5 GiB fit the test machine.
const (
	workerCPULimit      = "2"
	workerMemoryLimit   = "1536Mi"
	workerCPURequest    = "500m"
	workerMemoryRequest = "512Mi"
	headCPURequest      = "1"
	headMemoryRequest   = "1Gi"
	// objectStoreBytes is the object-store-memory rayStartParam of both
	// groups: without it Ray would size the store from the host's memory,
	// not the pod's.
	objectStoreBytes = 100000000
)

// TestRayStartsFromContainerResources starts Ray from pods whose Ray
// containers have resources and asks Ray what it made of them:
//   - the worker (CPU limit 2, memory limit 1.5 GiB, smaller requests, no
//     num-cpus/memory in rayStartParams) advertises exactly 2 CPUs and
//     exactly 1.5 GiB of `memory`: `ray start --memory` is the logical heap
//     resource, taken as given (the object store is a separate resource and
//     not subtracted from it);
//   - the head (requests only, `num-cpus: "0"` in rayStartParams) advertises
//     no CPU: the parameter wins over the request;
//   - the object store is in /dev/shm.
//
// What the /dev/shm part proves, and what it does not: pods run here as
// host processes, and no volume is mounted for them (nor does the process
// kubelet mount any), so every "pod" sees the host's /dev/shm (a tmpfs
// larger than the store). The test shows that the rendered pods carry a
// memory emptyDir at /dev/shm sized by the container's memory, larger than
// the object store Ray reports for the node, so Ray's own size check
// (object store <= free space in /dev/shm) would pick it in a real pod; and
// that Ray started from the rendered command puts its store there and
// really maps its memory from files in /dev/shm, not from a fallback under
// the temp dir (with plasma-directory set to the temp dir both checks fail).
// It does not show that a container runtime mounts that emptyDir, or
// enforces its size limit.
func TestRayStartsFromContainerResources(t *testing.T) {
	venv := RequireVenv(t)
	srv := redisserver.Start(t, redisserver.Options{Password: redisPassword})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	c := startResourcesCluster(t, venv, srv.Addr())
	checkSharedMemory(t, c.Rendered)
	_, headSpec := c.mustStartHead(ctx, t, nil)
	c.mustStartWorker(ctx, t)

	res := c.mustDriver(ctx, t, headSpec, "resources")
	t.Logf("Ray's view: nodes %v; cluster_resources %v; store %v", res["nodes"], res["cluster"], res["store"])
	checkNodeResources(t, res)
	checkObjectStore(t, c, res)
}

// startResourcesCluster renders the test cluster of values.go with
// container resources: a requests-only head (rayStartParams keep
// num-cpus "0") and a worker whose CPU and memory come only from its
// container.
func startResourcesCluster(t *testing.T, venv Venv, redisAddr string) *Cluster {
	t.Helper()
	dir := ShortTempDir(t, "rt")
	ports, err := FreePorts()
	if err != nil {
		t.Fatal(err)
	}
	spec := Spec{Name: "res", Namespace: "ray", StorageNamespace: "res-a", RedisAddress: redisAddr,
		RedisPassword: redisPassword, Dir: dir, Worker: true, Ports: ports}
	values := spec.Values()
	head := values["headGroupSpec"].(map[string]any)
	head["rayStartParams"].(map[string]any)["object-store-memory"] = strconv.Itoa(objectStoreBytes)
	setRayContainerResources(head, map[string]any{
		"requests": map[string]any{"cpu": headCPURequest, "memory": headMemoryRequest}})
	worker := values["workerGroupSpecs"].([]any)[0].(map[string]any)
	workerParams := worker["rayStartParams"].(map[string]any)
	delete(workerParams, "num-cpus")
	workerParams["object-store-memory"] = strconv.Itoa(objectStoreBytes)
	setRayContainerResources(worker, map[string]any{
		"requests": map[string]any{"cpu": workerCPURequest, "memory": workerMemoryRequest},
		"limits":   map[string]any{"cpu": workerCPULimit, "memory": workerMemoryLimit}})
	rc, err := Render(spec.Name, spec.Namespace, values)
	if err != nil {
		t.Fatal(err)
	}
	c := NewCluster(t, venv, rc, spec.Objects(), dir, ports.GCS)
	c.HeadTempDir, c.WorkerTempDir = spec.HeadTempDir(), spec.WorkerTempDir()
	return c
}

// setRayContainerResources sets the resources of a group's Ray container
// (the first one, as podTemplate makes it).
func setRayContainerResources(group map[string]any, resources map[string]any) {
	containers := group["template"].(map[string]any)["spec"].(map[string]any)["containers"].([]any)
	containers[0].(map[string]any)["resources"] = resources
}

// checkSharedMemory checks the rendered pods: a memory emptyDir mounted at
// /dev/shm in the Ray container, sized by the memory limit, else the
// request, and large enough for the object store.
func checkSharedMemory(t *testing.T, rc *RenderedCluster) {
	t.Helper()
	tests := map[string]struct {
		pod  corev1.PodTemplateSpec
		size string
	}{
		"head (memory request)": {rc.Head, headMemoryRequest},
		"worker (memory limit)": {rc.Workers["small"], workerMemoryLimit},
	}
	for name, tc := range tests {
		t.Run("rendered /dev/shm of the "+name, func(t *testing.T) {
			vol, ok := volumeMountedAt(tc.pod.Spec, tc.pod.Spec.Containers[0], "/dev/shm")
			if !ok {
				t.Fatalf("nothing mounted at /dev/shm in %s; volumes %+v", tc.pod.Spec.Containers[0].Name, tc.pod.Spec.Volumes)
			}
			dir := vol.EmptyDir
			if dir == nil || dir.Medium != corev1.StorageMediumMemory {
				t.Fatalf("/dev/shm is volume %+v, want a memory emptyDir", vol)
			}
			want := resource.MustParse(tc.size)
			if dir.SizeLimit == nil || dir.SizeLimit.Cmp(want) != 0 {
				t.Errorf("/dev/shm sizeLimit = %v, want %s", dir.SizeLimit, tc.size)
			}
			if dir.SizeLimit != nil && dir.SizeLimit.Value() < objectStoreBytes {
				t.Errorf("/dev/shm sizeLimit %v is smaller than the object store (%d bytes): Ray would not use it",
					dir.SizeLimit, objectStoreBytes)
			}
		})
	}
}

// volumeMountedAt returns the pod volume a container mounts at path.
func volumeMountedAt(pod corev1.PodSpec, c corev1.Container, path string) (corev1.Volume, bool) {
	for _, m := range c.VolumeMounts {
		if m.MountPath != path {
			continue
		}
		for _, v := range pod.Volumes {
			if v.Name == m.Name {
				return v, true
			}
		}
	}
	return corev1.Volume{}, false
}

// checkNodeResources compares what each node advertises in Ray with what
// its container's resources and rayStartParams say. A resource Ray does not
// list is zero: Ray drops zero quantities from a node's resources.
func checkNodeResources(t *testing.T, res map[string]any) {
	t.Helper()
	cpuLimit, memLimit := resource.MustParse(workerCPULimit), resource.MustParse(workerMemoryLimit)
	nodes := aliveNodeResources(res["nodes"])
	if len(nodes) != 2 {
		t.Fatalf("Ray lists %d alive nodes, want 2 (head and worker): %v", len(nodes), res["nodes"])
	}
	tests := map[string]struct {
		got  map[string]any
		want map[string]float64
	}{
		"worker node": {nodes[WorkerIP], map[string]float64{
			"CPU": float64(cpuLimit.Value()), "memory": float64(memLimit.Value()), "object_store_memory": objectStoreBytes}},
		"head node": {nodes[HeadIP], map[string]float64{"CPU": 0, "object_store_memory": objectStoreBytes}},
		// The head has no CPU, so the cluster's CPUs are the worker's.
		"ray.cluster_resources()": {asMap(res["cluster"]), map[string]float64{"CPU": float64(cpuLimit.Value())}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if tc.got == nil {
				t.Fatalf("Ray reported nothing for it: %v", res)
			}
			for key, want := range tc.want {
				got, _ := tc.got[key].(float64)
				if got != want {
					t.Errorf("%s = %v, want %v (all: %v)", key, tc.got[key], want, tc.got)
				}
			}
		})
	}
}

// aliveNodeResources returns the resources of the alive nodes by IP.
func aliveNodeResources(v any) map[string]map[string]any {
	out := map[string]map[string]any{}
	list, _ := v.([]any)
	for _, item := range list {
		n := asMap(item)
		if n["alive"] == true {
			out[fmt.Sprint(n["ip"])] = asMap(n["resources"])
		}
	}
	return out
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

// objectStoreLog is what the raylet logs when it creates its object store.
const objectStoreLog = "Starting object store with directory /dev/shm,"

// checkObjectStore checks, on the worker node, that the raylet says its
// store is in /dev/shm and that a Ray worker process that put an object
// there maps the store's memory only from files in /dev/shm.
func checkObjectStore(t *testing.T, c *Cluster, res map[string]any) {
	t.Helper()
	raylet := filepath.Join(c.WorkerTempDir, "session_latest", "logs", "raylet.out")
	if _, ok := LogLineTime(raylet, objectStoreLog); !ok {
		t.Errorf("the worker's raylet never logged %q (%s)", objectStoreLog, raylet)
	}
	store := asMap(res["store"])
	if store["node_ip"] != WorkerIP || store["object_bytes"] != float64(1<<20) {
		t.Fatalf("the store task ran on %v and read back %v bytes, want %s and %d", store["node_ip"], store["object_bytes"], WorkerIP, 1<<20)
	}
	mappings, _ := store["mappings"].([]any)
	if len(mappings) == 0 {
		t.Fatalf("a Ray worker on the worker node that put an object maps no object store file")
	}
	for _, m := range mappings {
		if dir := filepath.Dir(fmt.Sprint(m)); dir != "/dev/shm" {
			t.Errorf("object store memory mapped from %v, in %s, not in /dev/shm", m, dir)
		}
	}
}
