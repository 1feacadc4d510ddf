package kuberay

import (
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// GeneratedSpec is a RayCluster made up for the comparison, named for what
// it exercises.
type GeneratedSpec struct {
	Name   string
	Object *unstructured.Unstructured
}

// rayImage and rayVersion are the samples' Ray; probeStyleRay is a Ray new
// enough for our chart's HTTP probes.
const (
	rayVersion    = "2.46.0"
	rayImage      = "rayproject/ray:" + rayVersion
	probeStyleRay = "2.53.0"
)

// specEdit changes a base cluster (see baseCluster) in place.
type specEdit func(c cluster)

// GeneratedSpecs returns the made-up specs, in a stable order. Each starts
// from baseCluster (a head and one worker group "workers", no resources)
// and changes one aspect of it.
func GeneratedSpecs() []GeneratedSpec {
	var out []GeneratedSpec
	for _, s := range specTable() {
		c := baseCluster(s.name)
		for _, e := range s.edits {
			e(c)
		}
		out = append(out, GeneratedSpec{Name: s.name, Object: &unstructured.Unstructured{Object: c}})
	}
	return out
}

type specCase struct {
	name  string
	edits []specEdit
}

func spec(name string, edits ...specEdit) specCase { return specCase{name: name, edits: edits} }

// specTable lists the generated specs. Names are RayCluster names, so they
// stay short DNS labels.
func specTable() []specCase {
	var t []specCase
	t = append(t, resourceSpecs()...)
	t = append(t, acceleratorSpecs()...)
	t = append(t, paramSpecs()...)
	t = append(t, commandSpecs()...)
	t = append(t, envSpecs()...)
	t = append(t, podSpecs()...)
	t = append(t, groupSpecs()...)
	t = append(t, ftSpecs()...)
	t = append(t, networkSpecs()...)
	t = append(t, autoscalerSpecs()...)
	t = append(t, refusedSpecs()...)
	return t
}

// resourceSpecs: CPU and memory as limits, requests, both, or neither, in
// the quantity spellings users write.
func resourceSpecs() []specCase {
	return []specCase{
		spec("res-none"),
		spec("res-cpu-limit-1", allRay(resources(limits("cpu", "1", "memory", "4Gi"), nil))),
		spec("res-cpu-limit-500m", allRay(resources(limits("cpu", "500m", "memory", "4Gi"), nil))),
		spec("res-cpu-limit-2-5", allRay(resources(limits("cpu", "2.5", "memory", "4Gi"), nil))),
		spec("res-cpu-limit-1500m", allRay(resources(limits("cpu", "1500m", "memory", "4Gi"), nil))),
		spec("res-cpu-limit-int", allRay(resources(map[string]any{"cpu": int64(2), "memory": "4Gi"}, nil))),
		spec("res-mem-limit-4gi", allRay(resources(limits("cpu", "1", "memory", "4Gi"), nil))),
		spec("res-mem-limit-1-5gi", allRay(resources(limits("cpu", "1", "memory", "1.5Gi"), nil))),
		spec("res-mem-limit-500m-decimal", allRay(resources(limits("cpu", "1", "memory", "500M"), nil))),
		spec("res-mem-limit-1e9", allRay(resources(limits("cpu", "1", "memory", "1e9"), nil))),
		spec("res-mem-limit-2g", allRay(resources(limits("cpu", "1", "memory", "2G"), nil))),
		spec("res-limits-and-requests", allRay(resources(limits("cpu", "2", "memory", "4Gi"), limits("cpu", "500m", "memory", "2Gi")))),
		spec("res-requests-only", allRay(resources(nil, limits("cpu", "2", "memory", "4Gi")))),
		spec("res-requests-only-fractional", allRay(resources(nil, limits("cpu", "1500m", "memory", "1.5Gi")))),
		spec("res-requests-only-cpu", allRay(resources(nil, limits("cpu", "3")))),
		spec("res-cpu-limit-only", allRay(resources(limits("cpu", "2"), nil))),
		spec("res-mem-limit-only", allRay(resources(limits("memory", "2Gi"), nil))),
		spec("res-head-differs-from-worker",
			headRay(resources(limits("cpu", "4", "memory", "8Gi"), nil)),
			workerRay(0, resources(nil, limits("cpu", "1", "memory", "1Gi")))),
	}
}

// acceleratorSpecs: GPUs and the accelerators KubeRay maps to Ray
// resources, with and without rayStartParams that name them already.
func acceleratorSpecs() []specCase {
	gpu := func(name, n string) specEdit {
		return workerRay(0, resources(limits("cpu", "4", "memory", "16Gi", name, n), nil))
	}
	return []specCase{
		spec("gpu-nvidia", gpu("nvidia.com/gpu", "1")),
		spec("gpu-nvidia-4", gpu("nvidia.com/gpu", "4")),
		spec("gpu-amd", gpu("amd.com/gpu", "2")),
		spec("gpu-nvidia-mig", gpu("nvidia.com/mig-1g.5gb", "1")),
		spec("gpu-on-head", headRay(resources(limits("cpu", "2", "memory", "8Gi", "nvidia.com/gpu", "1"), nil))),
		spec("gpu-nvidia-num-gpus-param", gpu("nvidia.com/gpu", "2"), workerParams(0, "num-gpus", "1")),
		spec("gpu-nvidia-num-gpus-zero", gpu("nvidia.com/gpu", "2"), workerParams(0, "num-gpus", "0")),
		spec("gpu-requests-only", workerRay(0, resources(nil, limits("nvidia.com/gpu", "1")))),
		spec("tpu", gpu("google.com/tpu", "4")),
		spec("tpu-resources-param-tpu", gpu("google.com/tpu", "4"), workerParams(0, "resources", `'{"TPU": 8}'`)),
		spec("tpu-resources-param-other", gpu("google.com/tpu", "4"), workerParams(0, "resources", `"{\"custom\": 1}"`)),
		spec("neuron", gpu("aws.amazon.com/neuroncore", "2")),
		spec("neuron-resources-param", gpu("aws.amazon.com/neuroncore", "2"), workerParams(0, "resources", `'{"neuron_cores": 1}'`)),
		spec("neuron-and-tpu", workerRay(0, resources(limits("cpu", "1", "aws.amazon.com/neuroncore", "2", "google.com/tpu", "4"), nil))),
		spec("gpu-and-tpu", workerRay(0, resources(limits("cpu", "1", "nvidia.com/gpu", "1", "google.com/tpu", "4"), nil))),
		spec("accelerator-unknown", workerRay(0, resources(limits("cpu", "1", "example.com/fpga", "1"), nil))),
	}
}

// paramSpecs: rayStartParams that override what KubeRay derives or
// defaults, and the value spellings KubeRay users write.
func paramSpecs() []specCase {
	cpu2 := allRay(resources(limits("cpu", "2", "memory", "4Gi"), nil))
	return []specCase{
		spec("params-num-cpus-zero-head", cpu2, headParams("num-cpus", "0")),
		spec("params-num-cpus-override", cpu2, workerParams(0, "num-cpus", "8")),
		spec("params-memory-override", cpu2, workerParams(0, "memory", "1000000000")),
		spec("params-object-store-memory", cpu2, workerParams(0, "object-store-memory", "100000000")),
		spec("params-resources-json", workerParams(0, "resources", `'{"custom_a": 1, "custom_b": 2.5}'`)),
		spec("params-resources-escaped", workerParams(0, "resources", `"{\"custom_a\": 1}"`)),
		spec("params-head-port", headParams("port", "6380")),
		spec("params-dashboard-port", headParams("dashboard-port", "8266")),
		spec("params-agent-port", cpu2, headParams("dashboard-agent-listen-port", "52366"), workerParams(0, "dashboard-agent-listen-port", "52367")),
		spec("params-metrics-export-port", headParams("metrics-export-port", "9091")),
		spec("params-dashboard-host", headParams("dashboard-host", "127.0.0.1")),
		spec("params-booleans", headParams("disable-usage-stats", "true", "include-dashboard", "false", "log-color", "true", "block", "false")),
		// KubeRay pastes values into the command unquoted: a value that is an
		// env reference expands. (A value with a space has no spec here:
		// KubeRay splits it into a stray argument and ray start exits.)
		spec("params-env-reference", allRay(envFrom("MY_POD_IP", "status.podIP")),
			headParams("node-ip-address", "$MY_POD_IP"), workerParams(0, "node-ip-address", "$MY_POD_IP")),
		spec("params-worker-address", workerParams(0, "address", "my-head.example:6379")),
		spec("params-num-gpus-no-gpu", workerParams(0, "num-gpus", "1")),
	}
}

// commandSpecs: container commands with and without `ray start`, and the
// overwrite annotation.
func commandSpecs() []specCase {
	return []specCase{
		spec("cmd-command-only", allRay(set("command", list("echo", "hello")))),
		spec("cmd-args-only", allRay(set("args", list("echo hello")))),
		spec("cmd-command-and-args", headRay(set("command", list("echo 123"), "args", list("456")))),
		spec("cmd-shell-script", allRay(set("command", list("/bin/bash", "-c", "--"), "args", list("pip install emoji && echo ready")))),
		spec("cmd-with-ray-start",
			headRay(set("command", list("/bin/bash", "-lc", "--"), "args", list("ray start --head --block --num-cpus=1 --dashboard-host=0.0.0.0"))),
			workerRay(0, set("command", list("/bin/bash", "-c", "--"), "args", list("ray start --block --address=$FQ_RAY_IP:6379")))),
		spec("cmd-overwrite-annotation", annotation("ray.io/overwrite-container-cmd", "true"),
			headRay(set("command", list("/bin/bash", "-c", "--"), "args", list("ulimit -n 65536; echo head; $KUBERAY_GEN_RAY_START_CMD"))),
			workerRay(0, set("command", list("/bin/bash", "-c", "--"), "args", list("echo worker; $KUBERAY_GEN_RAY_START_CMD")))),
		spec("cmd-overwrite-uppercase", annotation("ray.io/overwrite-container-cmd", "TRUE"),
			allRay(set("command", list("/bin/bash", "-c", "--"), "args", list("$KUBERAY_GEN_RAY_START_CMD")))),
		spec("cmd-overwrite-false", annotation("ray.io/overwrite-container-cmd", "false"), allRay(set("command", list("echo", "hi")))),
		spec("cmd-overwrite-no-command", annotation("ray.io/overwrite-container-cmd", "true")),
		spec("cmd-overwrite-with-resources", annotation("ray.io/overwrite-container-cmd", "true"),
			allRay(resources(limits("cpu", "2", "memory", "4Gi"), nil)),
			allRay(set("command", list("/bin/bash", "-c", "--"), "args", list("$KUBERAY_GEN_RAY_START_CMD")))),
	}
}

// envSpecs: env the user already set, under names KubeRay also sets.
func envSpecs() []specCase {
	return []specCase{
		spec("env-ray-address", allRay(env("RAY_ADDRESS", "auto"))),
		spec("env-ray-port", allRay(env("RAY_PORT", "7000"))),
		spec("env-ray-cluster-name", allRay(env("RAY_CLUSTER_NAME", "something-else"))),
		spec("env-fq-ray-ip", workerRay(0, env("FQ_RAY_IP", "elsewhere.example"))),
		spec("env-disk-usage", allRay(env("RAY_DASHBOARD_ENABLE_K8S_DISK_USAGE", "0"))),
		spec("env-usage-stats", allRay(env("RAY_USAGE_STATS_KUBERAY_IN_USE", "0"))),
		spec("env-gen-cmd", allRay(env("KUBERAY_GEN_RAY_START_CMD", "echo mine"))),
		spec("env-node-type-name", allRay(env("RAY_NODE_TYPE_NAME", "custom"))),
		spec("env-value-from", allRay(envFrom("MY_POD_IP", "status.podIP"), env("RAY_grpc_enable_http_proxy", "0"))),
		spec("env-gcs-reconnect", workerRay(0, env("RAY_gcs_rpc_server_reconnect_timeout_s", "30"))),
	}
}

// podSpecs: what users put in the pod around the Ray container.
func podSpecs() []specCase {
	dshm := map[string]any{"name": "dshm", "emptyDir": map[string]any{"medium": "Memory", "sizeLimit": "1Gi"}}
	sharedMem := map[string]any{"name": "shared-mem", "emptyDir": map[string]any{}}
	logs := map[string]any{"name": "logs", "emptyDir": map[string]any{}}
	probe := map[string]any{"exec": map[string]any{"command": list("bash", "-c", "ray health-check")}, "periodSeconds": int64(7)}
	httpProbe := map[string]any{"httpGet": map[string]any{"path": "/-/healthz", "port": int64(8000)}}
	sidecar := map[string]any{"name": "fluentbit", "image": "fluent/fluent-bit:1.9.6"}
	initC := map[string]any{"name": "init-setup", "image": "busybox:1.36", "command": list("sh", "-c", "echo init"),
		"env": list(map[string]any{"name": "MINE", "value": "1"})}
	return []specCase{
		spec("shm-user-mount", allRay(resources(limits("cpu", "1", "memory", "2Gi"), nil)), allPods(volume(dshm)), allRay(mount("dshm", "/dev/shm"))),
		spec("shm-user-volume-shared-mem", allPods(volume(sharedMem))),
		spec("shm-sized-by-request", allRay(resources(nil, limits("cpu", "1", "memory", "3Gi")))),
		spec("volumes-user-mount", allPods(volume(logs)), allRay(mount("logs", "/tmp/ray"))),
		spec("ports-user-no-metrics", headRay(set("ports", list(
			port("gcs-server", 6379), port("dashboard", 8265), port("client", 10001))))),
		spec("ports-user-metrics", allRay(set("ports", list(port("metrics", 9090))))),
		spec("ports-user-unnamed", headRay(set("ports", list(map[string]any{"containerPort": int64(8000)})))),
		spec("ports-metrics-param-and-port", headParams("metrics-export-port", "9092"), headRay(set("ports", list(port("metrics", 9092))))),
		spec("probes-user-liveness", allRay(set("livenessProbe", probe))),
		spec("probes-user-readiness", allRay(set("readinessProbe", httpProbe))),
		spec("probes-user-both", allRay(set("livenessProbe", probe, "readinessProbe", httpProbe))),
		spec("probes-ray-2-53", rayVersionEdit(probeStyleRay)),
		spec("probes-ray-2-53-custom-ports", rayVersionEdit(probeStyleRay),
			headParams("dashboard-port", "8266", "dashboard-agent-listen-port", "52366"), workerParams(0, "dashboard-agent-listen-port", "52367")),
		spec("pod-sidecar", headPod(appendList("containers", sidecar)), workerPod(0, appendList("containers", sidecar))),
		spec("pod-init-containers", headPod(appendList("initContainers", initC)), workerPod(0, appendList("initContainers", initC))),
		spec("pod-template-labels", headMeta("labels", map[string]any{"team": "a", "ray.io/node-type": "worker", "ray.io/cluster": "other"}),
			workerMeta(0, "labels", map[string]any{"team": "b", "ray.io/group": "other"})),
		spec("pod-namespace", namespace("team-a")),
		spec("pod-head-service-name", headGroup("headService", map[string]any{"metadata": map[string]any{"name": "custom-head"}})),
		spec("pod-tls-env", allRay(env("RAY_USE_TLS", "1"), env("RAY_TLS_SERVER_CERT", "/etc/ray/tls/tls.crt"),
			env("RAY_TLS_SERVER_KEY", "/etc/ray/tls/tls.key"), env("RAY_TLS_CA_CERT", "/etc/ray/tls/ca.crt"))),
	}
}

// groupSpecs: several worker groups, head-only clusters, and v1.5's
// group-level resources and labels.
func groupSpecs() []specCase {
	return []specCase{
		spec("groups-head-only", deleteSpec("workerGroupSpecs")),
		spec("groups-three",
			addWorkerGroup("cpu-small", resources(limits("cpu", "1", "memory", "2Gi"), nil)),
			addWorkerGroup("gpu", resources(limits("cpu", "8", "memory", "32Gi", "nvidia.com/gpu", "2"), nil))),
		spec("groups-params-per-group",
			workerParams(0, "num-cpus", "3"),
			addWorkerGroup("second", resources(nil, limits("cpu", "2"))),
			workerParamsNamed("second", "resources", `'{"special": 1}'`)),
		spec("group-resources-head", headGroup("resources", map[string]any{"CPU": "2", "memory": "4Gi", "custom": "3"})),
		spec("group-resources-worker", workerGroup(0, "resources", map[string]any{"cpu": "4", "nvidia.com/gpu": "1", "TPU": "4", "memory": "1.5Gi"})),
		spec("group-resources-with-limits", allRay(resources(limits("cpu", "8", "memory", "16Gi", "nvidia.com/gpu", "2"), nil)),
			workerGroup(0, "resources", map[string]any{"cpu": "2", "GPU": "1"})),
		spec("group-resources-fractional", workerGroup(0, "resources", map[string]any{"cpu": "1500m", "custom": "0.5"})),
		spec("group-labels", headGroup("labels", map[string]any{"ray.io/market-type": "on-demand", "zone": "us-a"}),
			workerGroup(0, "labels", map[string]any{"ray.io/market-type": "spot", "tier": "batch"})),
		spec("group-labels-and-template", workerGroup(0, "labels", map[string]any{"tier": "batch"}),
			workerMeta(0, "labels", map[string]any{"tier": "template", "team": "x"})),
		spec("group-num-of-hosts-2", workerGroup(0, "numOfHosts", int64(2)),
			workerRay(0, resources(limits("cpu", "1", "google.com/tpu", "4"), nil))),
		spec("group-suspended", workerGroup(0, "suspend", true)),
	}
}

// refusedSpecs: specs KubeRay's controller refuses (it builds no pods); we
// must refuse them too, or the comparison reports the admission.
func refusedSpecs() []specCase {
	return []specCase{
		spec("refused-resources-twice", workerGroup(0, "resources", map[string]any{"cpu": "2"}), workerParams(0, "num-cpus", "2")),
		spec("refused-labels-param", headParams("labels", "a=b")),
		spec("refused-ft-annotation-and-options", annotation("ray.io/ft-enabled", "true"),
			ftOptions(map[string]any{"redisAddress": "redis:6379"})),
		spec("refused-redis-username-param", headParams("redis-username", "ray")),
		spec("refused-redis-address-without-ft", headRay(env("RAY_REDIS_ADDRESS", "redis:6379"))),
	}
}

// ftSpecs: GCS fault tolerance, current and legacy forms.
func ftSpecs() []specCase {
	secretRef := map[string]any{"valueFrom": map[string]any{"secretKeyRef": map[string]any{"name": "redis-password-secret", "key": "password"}}}
	return []specCase{
		spec("ft-options-password-secret", ftOptions(map[string]any{"redisAddress": "redis:6379", "redisPassword": secretRef})),
		spec("ft-options-no-password", ftOptions(map[string]any{"redisAddress": "redis:6379"})),
		spec("ft-options-storage-namespace", ftOptions(map[string]any{"redisAddress": "redis:6379", "externalStorageNamespace": "my-namespace"})),
		spec("ft-options-username", ftOptions(map[string]any{"redisAddress": "redis:6379", "redisPassword": secretRef,
			"redisUsername": map[string]any{"value": "ray"}})),
		spec("ft-options-worker-timeout", ftOptions(map[string]any{"redisAddress": "redis:6379"}),
			workerRay(0, env("RAY_gcs_rpc_server_reconnect_timeout_s", "120"))),
		spec("ft-legacy-annotation", annotation("ray.io/ft-enabled", "true"),
			headRay(env("RAY_REDIS_ADDRESS", "redis:6379")), headParams("redis-password", "5241590000000000")),
		spec("ft-legacy-password-env", annotation("ray.io/ft-enabled", "true"),
			headRay(env("RAY_REDIS_ADDRESS", "redis:6379"), envSecret("REDIS_PASSWORD", "redis-password-secret", "password")),
			headParams("redis-password", "$REDIS_PASSWORD")),
		spec("ft-legacy-storage-annotation", annotation("ray.io/ft-enabled", "true"),
			annotation("ray.io/external-storage-namespace", "legacy-ns"), headRay(env("RAY_REDIS_ADDRESS", "redis:6379"))),
		spec("ft-annotation-false", annotation("ray.io/ft-enabled", "false")),
	}
}
