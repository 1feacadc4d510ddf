package chart

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

// ftLiteral turns on GCS FT with a literal password.
const ftLiteral = `
gcsFaultToleranceOptions:
  redisAddress: redis.db.svc:6379
  redisPassword: {value: s3cr3t}
`

func TestRender(t *testing.T) {
	tests := map[string]struct {
		values string
		check  func(t *testing.T, r *rendering)
	}{
		"default values": {
			check: func(t *testing.T, r *rendering) {
				wantEqual(t, "StatefulSet name", r.head.Name, "demo-head")
				wantEqual(t, "StatefulSet namespace", r.head.Namespace, testNamespace)
				wantEqual(t, "head replicas", r.head.Spec.Replicas, ptr.To[int32](1))
				wantEqual(t, "serviceName", r.head.Spec.ServiceName, "demo-head-svc")
				wantEqual(t, "podManagementPolicy", string(r.head.Spec.PodManagementPolicy), "Parallel")
				// A template edit must not roll the head (KubeRay never kills a running Ray pod for one).
				wantEqual(t, "head updateStrategy", r.head.Spec.UpdateStrategy, appsv1.StatefulSetUpdateStrategy{Type: appsv1.OnDeleteStatefulSetStrategyType})
				wantEqual(t, "Service name", r.service.Name, "demo-head-svc")
				wantEqual(t, "clusterIP", r.service.Spec.ClusterIP, "None")
				wantEqual(t, "publishNotReadyAddresses", r.service.Spec.PublishNotReadyAddresses, true)
				wantEqual(t, "Service selector", r.service.Spec.Selector, map[string]string{"ray.io/cluster": "demo", "ray.io/node-type": "head"})
				wantEqual(t, "Service ports", servicePorts(r.service), map[string]int32{"client": 10001, "dashboard": 8265, "gcs-server": 6379, "metrics": 8080, "serve": 8000})
				wantSubset(t, "head pod labels", r.head.Spec.Template.Labels, map[string]string{
					"ray.io/cluster": "demo", "ray.io/node-type": "head", "ray.io/group": "headgroup",
					"ray.io/identifier": "demo-head", "ray.io/is-ray-node": "yes",
					"app.kubernetes.io/name": "ray-cluster", "app.kubernetes.io/instance": testRelease,
					"app.kubernetes.io/component": "head", "app.kubernetes.io/part-of": "ray", "app.kubernetes.io/managed-by": "Helm",
				})
				wantSubset(t, "StatefulSet labels", r.head.Labels, map[string]string{"ray.io/cluster": "demo", "app.kubernetes.io/component": "head", "app.kubernetes.io/managed-by": "Helm"})
				w := r.worker(t, "workergroup")
				wantEqual(t, "worker ReplicaSet name", w.Name, "demo-workergroup-worker")
				wantEqual(t, "worker replicas", w.Spec.Replicas, ptr.To[int32](1))
				// The selector adopts the pods of an earlier chart's worker Deployment (no pod-template-hash).
				wantEqual(t, "worker selector", w.Spec.Selector, &metav1.LabelSelector{MatchLabels: map[string]string{
					"ray.io/cluster": "demo", "ray.io/node-type": "worker", "ray.io/group": "workergroup"}})
				wantSubset(t, "worker pod labels", w.Spec.Template.Labels, map[string]string{
					"ray.io/cluster": "demo", "ray.io/node-type": "worker", "ray.io/group": "workergroup",
					"ray.io/identifier": "demo-worker", "ray.io/is-ray-node": "yes", "app.kubernetes.io/component": "worker",
				})
				head := rayScript(t, r.headContainer())
				wantContains(t, "head command", head, "exec ray start --head ", "--dashboard-host=0.0.0.0", "--block", "--metrics-export-port=8080", "--dashboard-agent-listen-port=52365")
				wantContains(t, "worker command", rayScript(t, w.Spec.Template.Spec.Containers[0]), "--address=demo-head-svc.ray.svc.cluster.local:6379", "--block")
				wantEqual(t, "ft-enabled annotation", r.head.Spec.Template.Annotations["ray.io/ft-enabled"], "false")
				wantNoEnv(t, r.headContainer(), "RAY_REDIS_ADDRESS", "REDIS_PASSWORD", "RAY_external_storage_namespace")
				wantNoEnv(t, w.Spec.Template.Spec.Containers[0], "RAY_gcs_rpc_server_reconnect_timeout_s")
				wantEnvValue(t, r.headContainer(), "RAY_ADDRESS", "127.0.0.1:6379")
				wantEnvValue(t, w.Spec.Template.Spec.Containers[0], "RAY_ADDRESS", "demo-head-svc.ray.svc.cluster.local:6379")
				wantWaitGcsReady(t, w.Spec.Template.Spec, "demo-head-svc.ray.svc.cluster.local:6379")
				wantEqual(t, "head init containers", len(r.head.Spec.Template.Spec.InitContainers), 0)
			},
		},
		"GCS FT with a literal password": {
			values: ftLiteral,
			check: func(t *testing.T, r *rendering) {
				c := r.headContainer()
				wantEnvValue(t, c, "RAY_REDIS_ADDRESS", "redis.db.svc:6379")
				wantEnvValue(t, c, "REDIS_PASSWORD", "s3cr3t")
				wantEnvValue(t, c, "RAY_external_storage_namespace", "ray-demo")
				script := rayScript(t, c)
				wantContains(t, "head command", script, `--redis-password="$REDIS_PASSWORD"`)
				if strings.Contains(strings.Join(append(c.Command, c.Args...), " "), "s3cr3t") {
					t.Errorf("the literal password reached the command line: %q", c.Args)
				}
				wantEqual(t, "ft-enabled annotation", r.head.Spec.Template.Annotations["ray.io/ft-enabled"], "true")
				wantEqual(t, "storage namespace annotation", r.head.Spec.Template.Annotations["ray.io/external-storage-namespace"], "ray-demo")
				w := r.worker(t, "workergroup").Spec.Template.Spec
				wantEnvValue(t, w.Containers[0], "RAY_gcs_rpc_server_reconnect_timeout_s", "600")
				wantNoEnv(t, w.Containers[0], "REDIS_PASSWORD", "RAY_REDIS_ADDRESS")
			},
		},
		"password from a Secret": {
			values: `
gcsFaultToleranceOptions:
  redisAddress: redis:6379
  redisPassword: {valueFrom: {secretKeyRef: {name: redis-auth, key: password}}}
`,
			check: func(t *testing.T, r *rendering) {
				e := envOf(r.headContainer(), "REDIS_PASSWORD")
				want := &corev1.EnvVar{Name: "REDIS_PASSWORD", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
					LocalObjectReference: corev1.LocalObjectReference{Name: "redis-auth"}, Key: "password"}}}
				wantEqual(t, "REDIS_PASSWORD", e, want)
				wantContains(t, "head command", rayScript(t, r.headContainer()), `--redis-password="$REDIS_PASSWORD"`)
			},
		},
		"username and password": {
			values: `
gcsFaultToleranceOptions:
  redisAddress: redis:6379
  redisUsername: {value: ray}
  redisPassword: {valueFrom: {secretKeyRef: {name: redis-auth, key: password}}}
`,
			check: func(t *testing.T, r *rendering) {
				wantEnvValue(t, r.headContainer(), "REDIS_USERNAME", "ray")
				if e := envOf(r.headContainer(), "REDIS_PASSWORD"); e == nil || e.ValueFrom == nil || e.ValueFrom.SecretKeyRef.Name != "redis-auth" {
					t.Errorf("REDIS_PASSWORD = %+v, want it from Secret redis-auth", e)
				}
				wantContains(t, "head command", rayScript(t, r.headContainer()), `--redis-username="$REDIS_USERNAME"`, `--redis-password="$REDIS_PASSWORD"`)
			},
		},
		"custom external storage namespace": {
			values: ftLiteral + "  externalStorageNamespace: team-a\ncluster: {uid: 1b4e28ba-2fa1-11d2-883f-0016d3cca427}\n",
			check: func(t *testing.T, r *rendering) {
				wantEnvValue(t, r.headContainer(), "RAY_external_storage_namespace", "team-a")
				wantEqual(t, "annotation", r.head.Spec.Template.Annotations["ray.io/external-storage-namespace"], "team-a")
			},
		},
		"Redis CA for rediss from a Secret": {
			values: `
gcsFaultToleranceOptions:
  redisAddress: rediss://redis:6380
cluster:
  annotations:
    ray-ha.io/redis-ca-secret: redis-ca
    ray-ha.io/redis-ca-key: root.pem
    ray-ha.io/redis-tls-server-name: redis.example
`,
			check: func(t *testing.T, r *rendering) {
				wantEnvValue(t, r.headContainer(), "RAY_REDIS_CA_CERT", "/etc/ray/redis-tls/ca.crt")
				wantEnvValue(t, r.headContainer(), "RAY_REDIS_SERVER_NAME", "redis.example")
				want := corev1.Volume{Name: "redis-tls-ca", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{
					SecretName: "redis-ca", Items: []corev1.KeyToPath{{Key: "root.pem", Path: "ca.crt"}}}}}
				wantEqual(t, "head volumes", withoutSharedMemory(r.head.Spec.Template.Spec.Volumes), []corev1.Volume{want})
				wantEqual(t, "head mounts", withoutSharedMemoryMount(r.headContainer().VolumeMounts), []corev1.VolumeMount{{Name: "redis-tls-ca", MountPath: "/etc/ray/redis-tls", ReadOnly: true}})
				wantNoEnv(t, r.worker(t, "workergroup").Spec.Template.Spec.Containers[0], "RAY_REDIS_CA_CERT")
			},
		},
		"Redis CA from a ConfigMap, user mount wins": {
			values: `
gcsFaultToleranceOptions:
  redisAddress: rediss://redis:6380
cluster:
  annotations: {ray-ha.io/redis-ca-configmap: trust-bundle}
headGroupSpec:
  template:
    spec:
      containers:
        - name: ray-head
          image: rayproject/ray:2.60.0
          volumeMounts: [{name: redis-tls-ca, mountPath: /custom/ca}]
          env: [{name: RAY_REDIS_CA_CERT, value: /custom/ca/ca.crt}]
`,
			check: func(t *testing.T, r *rendering) {
				wantEnvValue(t, r.headContainer(), "RAY_REDIS_CA_CERT", "/custom/ca/ca.crt")
				wantNoEnv(t, r.headContainer(), "RAY_REDIS_SERVER_NAME")
				want := corev1.Volume{Name: "redis-tls-ca", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
					LocalObjectReference: corev1.LocalObjectReference{Name: "trust-bundle"}, Items: []corev1.KeyToPath{{Key: "ca.crt", Path: "ca.crt"}}}}}
				wantEqual(t, "head volumes", withoutSharedMemory(r.head.Spec.Template.Spec.Volumes), []corev1.Volume{want})
				wantEqual(t, "head mounts", withoutSharedMemoryMount(r.headContainer().VolumeMounts), []corev1.VolumeMount{{Name: "redis-tls-ca", MountPath: "/custom/ca"}})
			},
		},
		"UID is the default storage namespace": {
			values: ftLiteral + "cluster: {name: prod, uid: 1b4e28ba-2fa1-11d2-883f-0016d3cca427}\n",
			check: func(t *testing.T, r *rendering) {
				wantEnvValue(t, r.headContainer(), "RAY_external_storage_namespace", "1b4e28ba-2fa1-11d2-883f-0016d3cca427")
				wantEqual(t, "StatefulSet name from cluster.name", r.head.Name, "prod-head")
				wantEqual(t, "Service name from cluster.name", r.service.Name, "prod-head-svc")
			},
		},
		"legacy annotation path": {
			values: `
cluster:
  annotations:
    ray.io/ft-enabled: "True"
    ray.io/external-storage-namespace: legacy-ns
headGroupSpec:
  rayStartParams: {redis-password: "0ld;pass"}
  template:
    spec:
      containers:
        - name: ray-head
          image: rayproject/ray:2.60.0
          env: [{name: RAY_REDIS_ADDRESS, value: "redis:6379"}]
`,
			check: func(t *testing.T, r *rendering) {
				c := r.headContainer()
				wantEnvValue(t, c, "RAY_REDIS_ADDRESS", "redis:6379")
				wantEnvValue(t, c, "REDIS_PASSWORD", "0ld;pass")
				wantEnvValue(t, c, "RAY_external_storage_namespace", "legacy-ns")
				script := rayScript(t, c)
				wantContains(t, "head command", script, `--redis-password="$REDIS_PASSWORD"`)
				if strings.Contains(script, "0ld;pass") {
					t.Errorf("legacy literal password left on the command line: %s", script)
				}
				wantEqual(t, "ft-enabled annotation", r.head.Spec.Template.Annotations["ray.io/ft-enabled"], "true")
				wantEnvValue(t, r.worker(t, "workergroup").Spec.Template.Spec.Containers[0], "RAY_gcs_rpc_server_reconnect_timeout_s", "600")
			},
		},
		"user env overrides injected env": {
			values: ftLiteral + `
headGroupSpec:
  template:
    spec:
      containers:
        - name: ray-head
          image: rayproject/ray:2.60.0
          env:
            - {name: RAY_external_storage_namespace, value: mine}
            - {name: RAY_ADDRESS, value: "10.0.0.1:6379"}
workerGroupSpecs:
  - groupName: cpu
    template:
      spec:
        containers:
          - name: ray-worker
            image: rayproject/ray:2.60.0
            env: [{name: RAY_gcs_rpc_server_reconnect_timeout_s, value: "300"}]
`,
			check: func(t *testing.T, r *rendering) {
				wantEnvValue(t, r.headContainer(), "RAY_external_storage_namespace", "mine")
				wantEnvValue(t, r.headContainer(), "RAY_ADDRESS", "10.0.0.1:6379")
				wantEqual(t, "annotation follows the user's env", r.head.Spec.Template.Annotations["ray.io/external-storage-namespace"], "mine")
				w := r.worker(t, "cpu").Spec.Template.Spec
				wantEnvValue(t, w.Containers[0], "RAY_gcs_rpc_server_reconnect_timeout_s", "300")
				wantEnvValue(t, *initContainer(w, "wait-gcs-ready"), "RAY_gcs_rpc_server_reconnect_timeout_s", "300")
			},
		},
		"custom ports": {
			values: `
headGroupSpec:
  rayStartParams: {port: "6380", dashboard-port: "8266"}
  template:
    spec:
      containers:
        - name: ray-head
          image: rayproject/ray:2.60.0
          ports:
            - {name: gcs, containerPort: 6380}
            - {name: dashboard, containerPort: 8266}
            - {containerPort: 9999}
rayVersion: "2.52.0"
`,
			check: func(t *testing.T, r *rendering) {
				wantEqual(t, "Service ports", servicePorts(r.service), map[string]int32{"gcs": 6380, "dashboard": 8266, "9999-port": 9999, "metrics": 8080})
				// The user's ports are kept; a port named metrics is added, as KubeRay adds it.
				wantEqual(t, "head container ports", len(r.headContainer().Ports), 4)
				wantEqual(t, "added metrics port", r.headContainer().Ports[3].Name, "metrics")
				w := r.worker(t, "workergroup")
				wantContains(t, "worker command", rayScript(t, w.Spec.Template.Spec.Containers[0]), "--address=demo-head-svc.ray.svc.cluster.local:6380")
				wantContains(t, "head GCS probe port", strings.Join(r.headContainer().ReadinessProbe.Exec.Command, " "), "localhost:8266/api/gcs_healthz")
				wantContains(t, "wait-gcs-ready address", strings.Join(initContainer(w.Spec.Template.Spec, "wait-gcs-ready").Args, " "), "addr=demo-head-svc.ray.svc.cluster.local:6380")
			},
		},
		"two worker groups": {
			values: `
workerGroupSpecs:
  - groupName: cpu
    replicas: 2
    maxReplicas: 5
    template: {spec: {containers: [{name: ray-worker, image: "rayproject/ray:2.60.0"}]}}
  - groupName: gpu
    replicas: 1
    rayStartParams: {num-gpus: "1"}
    template: {spec: {containers: [{name: ray-worker, image: "rayproject/ray:2.60.0-gpu"}]}}
`,
			check: func(t *testing.T, r *rendering) {
				wantEqual(t, "worker groups", len(r.workers), 2)
				wantEqual(t, "cpu ReplicaSet", r.worker(t, "cpu").Name, "demo-cpu-worker")
				wantEqual(t, "cpu replicas", r.worker(t, "cpu").Spec.Replicas, ptr.To[int32](2))
				gpu := r.worker(t, "gpu")
				wantEqual(t, "gpu ReplicaSet", gpu.Name, "demo-gpu-worker")
				wantEqual(t, "gpu group label", gpu.Spec.Selector.MatchLabels["ray.io/group"], "gpu")
				wantContains(t, "gpu command", rayScript(t, gpu.Spec.Template.Spec.Containers[0]), "--num-gpus=1")
				wantEnvFieldRef(t, gpu.Spec.Template.Spec.Containers[0], "RAY_NODE_TYPE_NAME", "metadata.labels['ray.io/group']")
				wantEqual(t, "gpu pod group label", gpu.Spec.Template.Labels["ray.io/group"], "gpu")
			},
		},
		"suspended cluster": {
			values: "suspend: true\n",
			check: func(t *testing.T, r *rendering) {
				wantEqual(t, "head replicas", r.head.Spec.Replicas, ptr.To[int32](0))
				wantEqual(t, "worker replicas", r.worker(t, "workergroup").Spec.Replicas, ptr.To[int32](0))
			},
		},
		"suspended worker group": {
			values: `
workerGroupSpecs:
  - {groupName: a, replicas: 2, suspend: true, template: {spec: {containers: [{name: w, image: "rayproject/ray:2.60.0"}]}}}
  - {groupName: b, replicas: 2, template: {spec: {containers: [{name: w, image: "rayproject/ray:2.60.0"}]}}}
`,
			check: func(t *testing.T, r *rendering) {
				wantEqual(t, "head replicas", r.head.Spec.Replicas, ptr.To[int32](1))
				wantEqual(t, "suspended group", r.worker(t, "a").Spec.Replicas, ptr.To[int32](0))
				wantEqual(t, "other group", r.worker(t, "b").Spec.Replicas, ptr.To[int32](2))
			},
		},
		"Ray 2.52 gets exec probes": {
			values: `rayVersion: "2.52.0"`,
			check: func(t *testing.T, r *rendering) {
				head := r.headContainer()
				headCheck := strings.Join(head.LivenessProbe.Exec.Command, " ")
				wantContains(t, "head liveness", headCheck, "localhost:52365/api/local_raylet_healthz", "localhost:8265/api/gcs_healthz", "-T 10")
				wantEqual(t, "head readiness = liveness check", head.ReadinessProbe.Exec.Command, head.LivenessProbe.Exec.Command)
				wantProbeTimings(t, "head liveness", head.LivenessProbe, 30, 5, 5, 1, 120)
				wantProbeTimings(t, "head readiness", head.ReadinessProbe, 10, 5, 5, 1, 10)
				w := r.worker(t, "workergroup").Spec.Template.Spec.Containers[0]
				workerCheck := strings.Join(w.LivenessProbe.Exec.Command, " ")
				wantContains(t, "worker liveness", workerCheck, "localhost:52365/api/local_raylet_healthz")
				if strings.Contains(workerCheck, "gcs_healthz") {
					t.Errorf("worker probe checks the GCS: %s", workerCheck)
				}
				wantProbeTimings(t, "worker liveness", w.LivenessProbe, 30, 2, 5, 1, 120)
				wantProbeTimings(t, "worker readiness", w.ReadinessProbe, 10, 2, 5, 1, 10)
			},
		},
		"Ray 2.53 gets HTTP probes": {
			values: `rayVersion: "2.53.0"`,
			check: func(t *testing.T, r *rendering) {
				want := &corev1.HTTPGetAction{Path: "/api/healthz", Port: intstr.FromInt32(52365)}
				for name, c := range map[string]corev1.Container{"head": r.headContainer(), "worker": r.worker(t, "workergroup").Spec.Template.Spec.Containers[0]} {
					wantEqual(t, name+" liveness", c.LivenessProbe.HTTPGet, want)
					wantEqual(t, name+" readiness", c.ReadinessProbe.HTTPGet, want)
					if c.LivenessProbe.Exec != nil {
						t.Errorf("%s liveness has an exec handler too", name)
					}
				}
				wantProbeTimings(t, "head liveness", r.headContainer().LivenessProbe, 30, 5, 5, 1, 120)
			},
		},
		"user probes win": {
			values: `
headGroupSpec:
  template:
    spec:
      containers:
        - name: ray-head
          image: rayproject/ray:2.60.0
          livenessProbe: {tcpSocket: {port: 6379}, periodSeconds: 7}
`,
			check: func(t *testing.T, r *rendering) {
				c := r.headContainer()
				wantEqual(t, "liveness period", c.LivenessProbe.PeriodSeconds, int32(7))
				if c.LivenessProbe.TCPSocket == nil || c.LivenessProbe.HTTPGet != nil {
					t.Errorf("user liveness probe replaced: %+v", c.LivenessProbe)
				}
				if c.ReadinessProbe == nil || c.ReadinessProbe.HTTPGet == nil {
					t.Errorf("readiness probe not injected next to a user liveness probe")
				}
			},
		},
		"a null probe switches the injected one off": {
			values: `
headGroupSpec:
  template:
    spec:
      containers:
        - {name: ray-head, image: "rayproject/ray:2.60.0", livenessProbe: null}
`,
			check: func(t *testing.T, r *rendering) {
				if p := r.headContainer().LivenessProbe; p != nil {
					t.Errorf("liveness probe = %+v, want none", p)
				}
				if r.headContainer().ReadinessProbe == nil {
					t.Errorf("readiness probe missing")
				}
			},
		},
		"replicas clamped to min and max": {
			values: `
workerGroupSpecs:
  - {groupName: over, replicas: 10, minReplicas: 1, maxReplicas: 3, template: {spec: {containers: [{name: w, image: i}]}}}
  - {groupName: under, replicas: 0, minReplicas: 2, maxReplicas: 4, template: {spec: {containers: [{name: w, image: i}]}}}
  - {groupName: unset, minReplicas: 1, template: {spec: {containers: [{name: w, image: i}]}}}
  - {groupName: zeromax, replicas: 5, maxReplicas: 0, template: {spec: {containers: [{name: w, image: i}]}}}
  - {groupName: inrange, replicas: 3, minReplicas: 1, maxReplicas: 5, template: {spec: {containers: [{name: w, image: i}]}}}
`,
			check: func(t *testing.T, r *rendering) {
				for group, want := range map[string]int32{"over": 3, "under": 2, "unset": 1, "zeromax": 0, "inrange": 3} {
					wantEqual(t, group+" replicas", r.worker(t, group).Spec.Replicas, ptr.To(want))
				}
			},
		},
		"user command and args are left alone with ray.io/overwrite-container-cmd": {
			values: `
cluster:
  annotations: {ray.io/overwrite-container-cmd: "true"}
headGroupSpec:
  template:
    spec:
      containers:
        - name: ray-head
          image: rayproject/ray:2.60.0
          command: ["/bin/sh", "-c"]
          args: ["echo hi; $KUBERAY_GEN_RAY_START_CMD"]
`,
			check: func(t *testing.T, r *rendering) {
				c := r.headContainer()
				wantEqual(t, "command", c.Command, []string{"/bin/sh", "-c"})
				wantEqual(t, "args", c.Args, []string{"echo hi; $KUBERAY_GEN_RAY_START_CMD"})
				if e := envOf(c, "KUBERAY_GEN_RAY_START_CMD"); e == nil || !strings.HasPrefix(e.Value, "ray start --head") {
					t.Errorf("KUBERAY_GEN_RAY_START_CMD = %+v, want the generated command", e)
				}
			},
		},
		"NodePort head Service": {
			values: `
headServiceAnnotations: {example.com/team: ray}
headGroupSpec:
  serviceType: NodePort
  template: {spec: {containers: [{name: ray-head, image: "rayproject/ray:2.60.0"}]}}
`,
			check: func(t *testing.T, r *rendering) {
				wantEqual(t, "type", string(r.service.Spec.Type), "NodePort")
				wantEqual(t, "clusterIP", r.service.Spec.ClusterIP, "")
				wantEqual(t, "serviceName", r.head.Spec.ServiceName, r.service.Name)
				wantEqual(t, "publishNotReadyAddresses", r.service.Spec.PublishNotReadyAddresses, true)
				wantEqual(t, "annotations", r.service.Annotations, map[string]string{"example.com/team": "ray"})
			},
		},
		"named head Service": {
			values: `
headGroupSpec:
  headService: {metadata: {name: my-head, labels: {team: a}}}
  template: {spec: {containers: [{name: ray-head, image: "rayproject/ray:2.60.0"}]}}
`,
			check: func(t *testing.T, r *rendering) {
				wantEqual(t, "Service name", r.service.Name, "my-head")
				wantEqual(t, "serviceName", r.head.Spec.ServiceName, "my-head")
				wantEqual(t, "user label", r.service.Labels["team"], "a")
				wantContains(t, "worker command", rayScript(t, r.worker(t, "workergroup").Spec.Template.Spec.Containers[0]), "--address=my-head.ray.svc.cluster.local:6379")
			},
		},
		"head Service ports are KubeRay's: appProtocol tcp, after the ports written in headService": {
			values: `
headGroupSpec:
  serviceType: NodePort
  headService:
    spec:
      type: LoadBalancer
      ports: [{name: custom, port: 12345, targetPort: 12345}, {name: dashboard, port: 8265, targetPort: 8265}]
  template:
    spec:
      containers:
        - name: ray-head
          image: rayproject/ray:2.60.0
          ports: [{name: gcs-server, containerPort: 6379}, {name: dashboard, containerPort: 8265}, {containerPort: 9000}]
`,
			check: func(t *testing.T, r *rendering) {
				// headService.spec.type wins over serviceType, as in KubeRay.
				wantEqual(t, "type", string(r.service.Spec.Type), "LoadBalancer")
				wantEqual(t, "Service ports", servicePorts(r.service), map[string]int32{
					"custom": 12345, "dashboard": 8265, "gcs-server": 6379, "9000-port": 9000, "metrics": 8080})
				wantEqual(t, "first port", r.service.Spec.Ports[0].Name, "custom")
				for _, p := range r.service.Spec.Ports {
					want := ptr.To("tcp")
					if p.Name == "custom" || p.Name == "dashboard" {
						want = nil // written in headService: kept as written
					}
					wantEqual(t, p.Name+" appProtocol", p.AppProtocol, want)
				}
			},
		},
		"headService: a written clusterIP is kept, the head template's app name labels the Service": {
			values: `
headGroupSpec:
  headService: {spec: {clusterIP: 10.96.0.42}}
  template:
    metadata: {labels: {app.kubernetes.io/name: my-app}}
    spec: {containers: [{name: ray-head, image: "rayproject/ray:2.60.0"}]}
`,
			check: func(t *testing.T, r *rendering) {
				wantEqual(t, "clusterIP", r.service.Spec.ClusterIP, "10.96.0.42")
				wantEqual(t, "app name label", r.service.Labels["app.kubernetes.io/name"], "my-app")
				wantEqual(t, "metrics appProtocol", r.service.Spec.Ports[len(r.service.Spec.Ports)-1].AppProtocol, ptr.To("tcp"))
			},
		},
		"cluster domain": {
			values: "cluster: {domain: corp.internal}\n",
			check: func(t *testing.T, r *rendering) {
				wantContains(t, "worker command", rayScript(t, r.worker(t, "workergroup").Spec.Template.Spec.Containers[0]), "--address=demo-head-svc.ray.svc.corp.internal:6379")
			},
		},
		"user security context and labels": {
			values: `
headGroupSpec:
  template:
    metadata: {labels: {team: a, ray.io/node-type: worker}}
    spec:
      restartPolicy: Never
      securityContext: {runAsUser: 1000, fsGroup: 100}
      containers:
        - name: ray-head
          image: rayproject/ray:2.60.0
          securityContext: {allowPrivilegeEscalation: true, capabilities: {add: [NET_BIND_SERVICE]}}
`,
			check: func(t *testing.T, r *rendering) {
				spec := r.head.Spec.Template.Spec
				wantEqual(t, "user runAsUser", spec.SecurityContext.RunAsUser, ptr.To[int64](1000))
				wantEqual(t, "default runAsNonRoot", spec.SecurityContext.RunAsNonRoot, ptr.To(true))
				sc := spec.Containers[0].SecurityContext
				wantEqual(t, "user allowPrivilegeEscalation", sc.AllowPrivilegeEscalation, ptr.To(true))
				wantEqual(t, "user capabilities.add", sc.Capabilities.Add, []corev1.Capability{"NET_BIND_SERVICE"})
				wantEqual(t, "default capabilities.drop", sc.Capabilities.Drop, []corev1.Capability{"ALL"})
				wantEqual(t, "restartPolicy", spec.RestartPolicy, corev1.RestartPolicyAlways)
				wantEqual(t, "user label", r.head.Spec.Template.Labels["team"], "a")
				wantEqual(t, "ray.io/node-type cannot be overridden", r.head.Spec.Template.Labels["ray.io/node-type"], "head")
			},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			tc.check(t, renderValues(t, tc.values))
		})
	}
}

// wantWaitGcsReady checks the workers' init container: the Ray container's
// image, pull policy, env and security context, bounded resources, and a
// bounded wait on the given GCS address.
func wantWaitGcsReady(t *testing.T, spec corev1.PodSpec, address string) {
	t.Helper()
	init := initContainer(spec, "wait-gcs-ready")
	if init == nil {
		t.Fatalf("worker has no wait-gcs-ready init container")
	}
	ray := spec.Containers[0]
	wantEqual(t, "init image", init.Image, ray.Image)
	wantEqual(t, "init imagePullPolicy", init.ImagePullPolicy, ray.ImagePullPolicy)
	wantEqual(t, "init securityContext", init.SecurityContext, ray.SecurityContext)
	// KubeRay's init container gets the user's env as written plus the head's address, not what the chart adds.
	for _, name := range []string{"FQ_RAY_IP", "RAY_IP"} {
		if envOf(*init, name) == nil {
			t.Errorf("init env lacks %s: %+v", name, init.Env)
		}
	}
	if e := envOf(*init, "KUBERAY_GEN_RAY_START_CMD"); e != nil {
		t.Errorf("init env has the chart's Ray container env %+v, want only the user's and the head address", e)
	}
	wantEqual(t, "init cpu limit", init.Resources.Limits.Cpu().String(), "200m")
	wantEqual(t, "init command", init.Command, []string{"/bin/bash", "-c", "--"})
	if len(init.Args) != 1 {
		t.Fatalf("init args = %q, want one script", init.Args)
	}
	wantContains(t, "init script", init.Args[0], "addr="+address+"\n", `ray health-check --address "$addr"`, `-ge 600 ]`, "exit 1", "sleep 5")
}

// rayScript returns the bash script the Ray container runs.
func rayScript(t *testing.T, c corev1.Container) string {
	t.Helper()
	if !slices.Equal(c.Command, []string{"/bin/bash", "-c", "--"}) || len(c.Args) != 1 {
		t.Fatalf("container %s: command %q args %q, want bash -c -- <script>", c.Name, c.Command, c.Args)
	}
	return c.Args[0]
}

func servicePorts(s *corev1.Service) map[string]int32 {
	out := map[string]int32{}
	for _, p := range s.Spec.Ports {
		out[p.Name] = p.Port
		if p.TargetPort.IntVal != p.Port {
			out[p.Name+"(target)"] = p.TargetPort.IntVal
		}
	}
	return out
}

func wantEqual[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s = %#v, want %#v", what, got, want)
	}
}

func wantSubset(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s[%q] = %q, want %q", what, k, got[k], v)
		}
	}
}

func wantContains(t *testing.T, what, got string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(got, p) {
			t.Errorf("%s lacks %q:\n%s", what, p, got)
		}
	}
}

func wantEnvValue(t *testing.T, c corev1.Container, name, value string) {
	t.Helper()
	e := envOf(c, name)
	if e == nil || e.ValueFrom != nil || e.Value != value {
		t.Errorf("container %s env %s = %+v, want exactly one with value %q", c.Name, name, e, value)
	}
}

func wantNoEnv(t *testing.T, c corev1.Container, names ...string) {
	t.Helper()
	for _, n := range names {
		if e := envOf(c, n); e != nil {
			t.Errorf("container %s has env %s = %+v, want none", c.Name, n, e)
		}
	}
}

func wantEnvFieldRef(t *testing.T, c corev1.Container, name, fieldPath string) {
	t.Helper()
	e := envOf(c, name)
	if e == nil || e.ValueFrom == nil || e.ValueFrom.FieldRef == nil || e.ValueFrom.FieldRef.FieldPath != fieldPath {
		t.Errorf("container %s env %s = %+v, want exactly one from fieldRef %s", c.Name, name, e, fieldPath)
	}
}

// withoutSharedMemory drops the /dev/shm volume every Ray pod has, for
// checks about the other volumes.
func withoutSharedMemory(volumes []corev1.Volume) []corev1.Volume {
	return slices.DeleteFunc(slices.Clone(volumes), func(v corev1.Volume) bool { return v.Name == "shared-mem" })
}

func withoutSharedMemoryMount(mounts []corev1.VolumeMount) []corev1.VolumeMount {
	return slices.DeleteFunc(slices.Clone(mounts), func(m corev1.VolumeMount) bool { return m.MountPath == "/dev/shm" })
}

func wantProbeTimings(t *testing.T, what string, p *corev1.Probe, initial, timeout, period, success, failure int32) {
	t.Helper()
	if p == nil {
		t.Fatalf("%s probe missing", what)
	}
	got := []int32{p.InitialDelaySeconds, p.TimeoutSeconds, p.PeriodSeconds, p.SuccessThreshold, p.FailureThreshold}
	wantEqual(t, what+" (initialDelay, timeout, period, success, failure)", got, []int32{initial, timeout, period, success, failure})
}
