package ray_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
	"github.com/ray-ha-operator/ray-ha-operator/internal/raycluster"
	"github.com/ray-ha-operator/ray-ha-operator/test/harness/simenv"
	"github.com/ray-ha-operator/ray-ha-operator/test/prockubelet"
	"github.com/ray-ha-operator/ray-ha-operator/test/ray"
	"github.com/ray-ha-operator/ray-ha-operator/test/simcluster"
)

// roleLabel puts the Ray pods on the process-kubelet nodes: the head on one
// of the two "head" nodes, the worker on the "worker" node, never on the
// simulated cluster's kwok nodes.
const roleLabel = "ray-ha-operator.io/test-role"

// failoverSpec is the test RayCluster's setup.
type failoverSpec struct {
	name, ns   string
	redisAddr  string
	secretName string
	ports      ray.Ports
	// dir holds one folder per process-kubelet node (see startNodes).
	dir string
	// serviceAccountTokens makes the nodes project each pod's
	// ServiceAccount token (prockubelet Config.ServiceAccountTokens).
	serviceAccountTokens bool
	// hostsFile is the cluster DNS's hosts file the nodes mount
	// (startClusterDNS).
	hostsFile string
	// imagePulls is the image-pull MODEL the nodes share; nil: none.
	imagePulls *simcluster.ImagePullModel
	// imagePaths are the nodes' prockubelet Config.ImagePaths: what a
	// container running as another user needs to see of the machine.
	imagePaths []string
}

// rayImage is the Ray pods' image (never pulled: the processes run from the
// Ray virtualenv; the image-pull model keys its cache by this name).
const rayImage = "rayproject/ray:" + ray.RayVersion

// workerTempDir is the worker's Ray temp dir, in its node's folder. It must
// be set: without it a worker takes the head's temp dir path, which in a
// real cluster is /tmp/ray in the worker's own filesystem, but here would be
// a folder of the head's pod on another node.
func (s failoverSpec) workerTempDir() string { return filepath.Join(s.dir, "worker", "w") }

func (s failoverSpec) headPod() string { return raycluster.HeadPodName(s.name) }

// headFQDN is the head Service's DNS name that the workers use; checked
// against the rendered worker (see checkHeadFQDN). The cluster DNS
// (startClusterDNS) resolves it to the current head pod's address.
func (s failoverSpec) headFQDN() string {
	return fmt.Sprintf("%s-head-svc.%s.svc.cluster.local", s.name, s.ns)
}

// rayCluster is a KubeRay-shaped RayCluster with GCS fault tolerance, the
// Redis password from a Secret, and everything that lets two Ray nodes
// share one machine set where a user could set it: the node IP from the pod
// IP through $(MY_POD_IP), fixed ports, separate worker port ranges. The
// node-lost grace is shortened with the operator's annotation.
func (s failoverSpec) rayCluster() *rayv1.RayCluster {
	p := s.ports
	head := map[string]string{
		"port":                        strconv.Itoa(p.GCS),
		"node-ip-address":             "$(MY_POD_IP)",
		"num-cpus":                    "0",
		"object-store-memory":         "100000000",
		"dashboard-port":              strconv.Itoa(p.Dashboard),
		"ray-client-server-port":      strconv.Itoa(p.Client),
		"dashboard-agent-listen-port": strconv.Itoa(p.HeadAgent),
		"metrics-export-port":         strconv.Itoa(p.HeadMetrics),
		// Not test/ray's ranges: its tests may run on the machine meanwhile.
		"min-worker-port": "13000",
		"max-worker-port": "13499",
	}
	worker := map[string]string{
		"node-ip-address":             "$(MY_POD_IP)",
		"num-cpus":                    "1",
		"object-store-memory":         "100000000",
		"resources":                   `{"worker_node": 1}`,
		"dashboard-agent-listen-port": strconv.Itoa(p.WorkerAgent),
		"metrics-export-port":         strconv.Itoa(p.WorkerMetrics),
		"temp-dir":                    s.workerTempDir(),
		"min-worker-port":             "13500",
		"max-worker-port":             "13999",
	}
	return &rayv1.RayCluster{
		ObjectMeta: metav1.ObjectMeta{Name: s.name, Namespace: s.ns, Annotations: map[string]string{
			raycluster.AnnotationNodeLostGrace: "3",
		}},
		Spec: rayv1.RayClusterSpec{
			RayVersion: ray.RayVersion,
			GcsFaultToleranceOptions: &rayv1.GcsFaultToleranceOptions{
				RedisAddress:             s.redisAddr,
				ExternalStorageNamespace: "pk-ft",
				RedisPassword: &rayv1.RedisCredential{ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
					LocalObjectReference: corev1.LocalObjectReference{Name: s.secretName}, Key: "password"}}},
			},
			HeadGroupSpec: rayv1.HeadGroupSpec{RayStartParams: head, Template: rayTemplate("ray-head", "head")},
			WorkerGroupSpecs: []rayv1.WorkerGroupSpec{{
				GroupName: "small", Replicas: ptr.To[int32](1), MinReplicas: ptr.To[int32](0), MaxReplicas: ptr.To[int32](1),
				RayStartParams: worker, Template: rayTemplate("ray-worker", "worker"),
			}},
		},
	}
}

// rayTemplate selects the nodes of a role and gives the container its pod
// IP as MY_POD_IP (for $(MY_POD_IP) in the command) and keeps Ray quiet.
func rayTemplate(container, role string) corev1.PodTemplateSpec {
	return corev1.PodTemplateSpec{Spec: corev1.PodSpec{
		NodeSelector:                  map[string]string{roleLabel: role},
		TerminationGracePeriodSeconds: ptr.To[int64](5),
		Containers: []corev1.Container{{
			Name: container, Image: rayImage,
			Env: []corev1.EnvVar{
				{Name: "MY_POD_IP", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "status.podIP"}}},
				{Name: "RAY_USAGE_STATS_ENABLED", Value: "0"},
				{Name: "RAY_memory_monitor_refresh_ms", Value: "0"},
			},
		}},
	}}
}

// nodeRole is a process-kubelet node and the role label it carries.
type nodeRole struct{ name, role string }

// startNodes starts one process-kubelet node per role name, each with its
// folder named after the node without its "pk-" prefix (head-a, worker);
// each is killed when the test ends.
func startNodes(t *testing.T, env *simenv.Env, venv ray.Venv, s failoverSpec, roles []nodeRole) map[string]*prockubelet.Kubelet {
	t.Helper()
	nodes := map[string]*prockubelet.Kubelet{}
	for _, r := range roles {
		name := r.name
		folder := strings.TrimPrefix(r.name, "pk-")
		k, err := prockubelet.Start(context.Background(), prockubelet.Config{
			RESTConfig: env.Cluster.RESTConfig(),
			NodeName:   name,
			Labels:     map[string]string{roleLabel: r.role},
			Dir:        filepath.Join(s.dir, folder),
			BaseEnv: []string{
				"PATH=" + venv.BinDir() + ":/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
				"LANG=C.UTF-8",
			},
			HostsFile:            s.hostsFile,
			ImagePulls:           s.imagePulls,
			ServiceAccountTokens: s.serviceAccountTokens,
			ImagePaths:           s.imagePaths,
			Log:                  t.Logf,
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := k.Kill(); err != nil {
				t.Errorf("cleaning up node %s: %v", name, err)
			}
		})
		nodes[name] = k
	}
	return nodes
}

// startClusterDNS keeps the names of the cluster's headless Services (the
// head Service among them) resolving to the pods they publish, for the
// process-kubelet nodes to mount; it returns the hosts file's path.
func startClusterDNS(t *testing.T, env *simenv.Env, s failoverSpec) string {
	t.Helper()
	if os.Geteuid() != 0 {
		why := "mounting the cluster DNS's hosts file at /etc/hosts in each container needs root (unshare, mount)"
		if os.Getenv("CI") == "true" {
			t.Fatal(why)
		}
		t.Skip(why)
	}
	dns, err := prockubelet.StartClusterDNS(env.Cluster.RESTConfig(), filepath.Join(s.dir, "hosts"), t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(dns.Stop)
	return dns.Path()
}

// podIP is the address of a pod running on node k.
func podIP(t *testing.T, k *prockubelet.Kubelet, ns, pod string) string {
	t.Helper()
	ip, ok := k.RunningPodIP(ns, pod)
	if !ok {
		t.Fatalf("pod %s/%s does not run on node %s", ns, pod, k.NodeName())
	}
	return ip
}

// driver runs workload/driver.py in a pod (as `kubectl exec` would) and
// returns its one result.
func driver(ctx context.Context, t *testing.T, k *prockubelet.Kubelet, venv ray.Venv, ns, pod, cmd string) map[string]any {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	out, err := k.Exec(ctx, ns, pod, venv.Python(), "-B", filepath.Join(wd, "workload", "driver.py"),
		"--node-ip", podIP(t, k, ns, pod), cmd)
	if err != nil {
		t.Fatalf("driver %s: %v\n%s", cmd, err, out)
	}
	res := parseResults(out)
	if len(res) != 1 {
		t.Fatalf("driver %s: %d results in %q", cmd, len(res), out)
	}
	return res[0]
}

// parseResults reads the "RESULT <json>" lines of a driver's output.
func parseResults(out []byte) []map[string]any {
	var res []map[string]any
	for _, line := range strings.Split(string(out), "\n") {
		if js, ok := strings.CutPrefix(line, "RESULT "); ok {
			m := map[string]any{}
			if json.Unmarshal([]byte(js), &m) == nil {
				res = append(res, m)
			}
		}
	}
	return res
}
