package chart

import (
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// autoscalerValues are values with top-level YAML, then a head whose pod
// spec and Ray container get the given (indented) fields.
func autoscalerValues(top, podSpec, container string) string {
	return top + `
headGroupSpec:
  template:
    spec:
` + podSpec + `      containers:
        - name: ray-head
          image: rayproject/ray:2.46.0
` + container
}

func TestAutoscalerSidecar(t *testing.T) {
	defaultResources := corev1.ResourceRequirements{
		Limits:   corev1.ResourceList{"cpu": mustQuantity(t, "500m"), "memory": mustQuantity(t, "512Mi")},
		Requests: corev1.ResourceList{"cpu": mustQuantity(t, "500m"), "memory": mustQuantity(t, "512Mi")},
	}
	tests := map[string]struct {
		values        string
		image         string
		pullPolicy    corev1.PullPolicy
		resources     corev1.ResourceRequirements
		extraEnv      []string // names after the chart's four
		extraMounts   []string // mount paths before /tmp/ray
		v2            bool
		account       string
		renderAccount bool
		rayLogsOnRay  bool
	}{
		"v1 with KubeRay's defaults": {
			values: autoscalerValues("enableInTreeAutoscaling: true\n", "", ""),
			image:  "rayproject/ray:2.46.0", pullPolicy: corev1.PullIfNotPresent, resources: defaultResources,
			account: testRelease, renderAccount: true, rayLogsOnRay: true,
		},
		"v2 with every option": {
			values: autoscalerValues(`enableInTreeAutoscaling: true
autoscalerOptions:
  version: v2
  image: example.com/autoscaler:dev
  imagePullPolicy: Always
  idleTimeoutSeconds: 30
  upscalingMode: Conservative
  resources: {limits: {cpu: "1", memory: 1Gi}}
  env: [{name: AUTOSCALER_LOG_LEVEL, value: debug}]
  envFrom: [{configMapRef: {name: autoscaler-env}}]
  volumeMounts: [{name: tls, mountPath: /etc/tls}]
  securityContext: {runAsUser: 1000}
`, "", ""),
			image: "example.com/autoscaler:dev", pullPolicy: corev1.PullAlways,
			resources: corev1.ResourceRequirements{Limits: corev1.ResourceList{"cpu": mustQuantity(t, "1"), "memory": mustQuantity(t, "1Gi")}},
			extraEnv:  []string{"AUTOSCALER_LOG_LEVEL"}, extraMounts: []string{"/etc/tls"}, v2: true,
			account: testRelease, renderAccount: true, rayLogsOnRay: true,
		},
		"the head's own ServiceAccount": {
			values: autoscalerValues("enableInTreeAutoscaling: true\n", "      serviceAccountName: ray-head-sa\n", ""),
			image:  "rayproject/ray:2.46.0", pullPolicy: corev1.PullIfNotPresent, resources: defaultResources,
			account: "ray-head-sa", rayLogsOnRay: true,
		},
		"the Ray container mounts /tmp/ray itself": {
			values: autoscalerValues("enableInTreeAutoscaling: true\n", "      volumes: [{name: logs, emptyDir: {}}]\n",
				"          volumeMounts: [{name: logs, mountPath: /tmp/ray}]\n"),
			image: "rayproject/ray:2.46.0", pullPolicy: corev1.PullIfNotPresent, resources: defaultResources,
			account: testRelease, renderAccount: true,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			r := renderValues(t, tc.values)
			pod := r.head.Spec.Template.Spec
			if len(pod.Containers) != 2 || pod.Containers[1].Name != "autoscaler" {
				t.Fatalf("head containers = %v, want the Ray container and autoscaler", containerNames(pod.Containers))
			}
			a := pod.Containers[1]
			checkAutoscalerContainer(t, a, tc.image, tc.pullPolicy, tc.resources, tc.extraEnv, tc.extraMounts)
			if pod.ServiceAccountName != tc.account {
				t.Errorf("serviceAccountName = %q, want %q", pod.ServiceAccountName, tc.account)
			}
			ray := pod.Containers[0]
			if got := mountOf(ray, "/tmp/ray"); (got == "ray-logs") != tc.rayLogsOnRay {
				t.Errorf("Ray container's /tmp/ray mount = %q, ray-logs wanted: %v", got, tc.rayLogsOnRay)
			}
			if !hasVolume(pod.Volumes, "ray-logs") {
				t.Errorf("no ray-logs volume; volumes %v", pod.Volumes)
			}
			if !strings.Contains(ray.Args[0], " --no-monitor") {
				t.Errorf("ray start lacks --no-monitor: %s", ray.Args[0])
			}
			if got := envValue(ray.Env, "RAY_enable_autoscaler_v2"); (got == "true") != tc.v2 {
				t.Errorf("RAY_enable_autoscaler_v2 = %q, v2 = %v", got, tc.v2)
			}
			checkAutoscalerRBAC(t, r, tc.account, tc.renderAccount)
		})
	}
}

func TestAutoscalerOff(t *testing.T) {
	for name, top := range map[string]string{"unset": "", "false": "enableInTreeAutoscaling: false\nautoscalerOptions: {version: v2}\n"} {
		t.Run(name, func(t *testing.T) {
			r := renderValues(t, autoscalerValues(top, "", ""))
			pod := r.head.Spec.Template.Spec
			if len(pod.Containers) != 1 || pod.ServiceAccountName != "" || hasVolume(pod.Volumes, "ray-logs") {
				t.Errorf("containers %v, serviceAccountName %q, volumes %v: want no autoscaler", containerNames(pod.Containers), pod.ServiceAccountName, pod.Volumes)
			}
			if strings.Contains(pod.Containers[0].Args[0], "--no-monitor") || envValue(pod.Containers[0].Env, "RAY_enable_autoscaler_v2") != "" {
				t.Errorf("autoscaler settings on the Ray container without an autoscaler: %s", pod.Containers[0].Args[0])
			}
			if r.serviceAccount != nil || r.role != nil || r.roleBinding != nil {
				t.Errorf("autoscaler RBAC rendered without an autoscaler")
			}
		})
	}
}

func checkAutoscalerContainer(t *testing.T, a corev1.Container, image string, pull corev1.PullPolicy, res corev1.ResourceRequirements, extraEnv, extraMounts []string) {
	t.Helper()
	if a.Image != image || a.ImagePullPolicy != pull {
		t.Errorf("image %q pull %q, want %q %q", a.Image, a.ImagePullPolicy, image, pull)
	}
	wantCmd := []string{"/bin/bash", "-c", "--"}
	wantArgs := []string{"ray kuberay-autoscaler --cluster-name $(RAY_CLUSTER_NAME) --cluster-namespace $(RAY_CLUSTER_NAMESPACE)"}
	if !reflect.DeepEqual(a.Command, wantCmd) || !reflect.DeepEqual(a.Args, wantArgs) {
		t.Errorf("command %q args %q", a.Command, a.Args)
	}
	if !reflect.DeepEqual(a.Resources, res) {
		t.Errorf("resources = %v, want %v", a.Resources, res)
	}
	wantEnv := append([]string{"RAY_CLUSTER_NAME", "RAY_CLUSTER_NAMESPACE", "RAY_HEAD_POD_NAME", "KUBERAY_CRD_VER"}, extraEnv...)
	var gotEnv []string
	for _, e := range a.Env {
		gotEnv = append(gotEnv, e.Name)
	}
	if !reflect.DeepEqual(gotEnv, wantEnv) {
		t.Errorf("env = %v, want %v", gotEnv, wantEnv)
	}
	if f := a.Env[0].ValueFrom; f == nil || f.FieldRef == nil || f.FieldRef.FieldPath != "metadata.labels['ray.io/cluster']" {
		t.Errorf("RAY_CLUSTER_NAME is not the pod's ray.io/cluster label: %+v", a.Env[0])
	}
	var gotMounts []string
	for _, m := range a.VolumeMounts {
		gotMounts = append(gotMounts, m.MountPath)
	}
	if want := append(append([]string{}, extraMounts...), "/tmp/ray"); !reflect.DeepEqual(gotMounts, want) {
		t.Errorf("mounts = %v, want %v", gotMounts, want)
	}
	if sc := a.SecurityContext; sc == nil || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
		t.Errorf("autoscaler lacks the restricted security defaults: %+v", sc)
	}
}

// checkAutoscalerRBAC: KubeRay's names and least-privilege rules.
func checkAutoscalerRBAC(t *testing.T, r *rendering, account string, renderAccount bool) {
	t.Helper()
	if (r.serviceAccount != nil) != renderAccount {
		t.Fatalf("ServiceAccount rendered: %v, want %v", r.serviceAccount != nil, renderAccount)
	}
	if renderAccount && (r.serviceAccount.Name != account || r.serviceAccount.Namespace != testNamespace) {
		t.Errorf("ServiceAccount %s/%s, want %s/%s", r.serviceAccount.Namespace, r.serviceAccount.Name, testNamespace, account)
	}
	if r.role == nil || r.roleBinding == nil {
		t.Fatalf("Role or RoleBinding missing")
	}
	wantRules := []rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get", "list", "watch", "patch"}},
		{APIGroups: []string{""}, Resources: []string{"pods/resize"}, Verbs: []string{"patch"}},
		{APIGroups: []string{"ray.io"}, Resources: []string{"rayclusters"}, Verbs: []string{"get", "patch"}},
	}
	if r.role.Name != testRelease || !reflect.DeepEqual(r.role.Rules, wantRules) {
		t.Errorf("Role %s rules %+v", r.role.Name, r.role.Rules)
	}
	wantSubjects := []rbacv1.Subject{{Kind: "ServiceAccount", Name: account, Namespace: testNamespace}}
	wantRef := rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: testRelease}
	if r.roleBinding.Name != testRelease || !reflect.DeepEqual(r.roleBinding.Subjects, wantSubjects) || r.roleBinding.RoleRef != wantRef {
		t.Errorf("RoleBinding %s subjects %+v roleRef %+v", r.roleBinding.Name, r.roleBinding.Subjects, r.roleBinding.RoleRef)
	}
}

func containerNames(cs []corev1.Container) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Name)
	}
	return out
}

func mountOf(c corev1.Container, path string) string {
	for _, m := range c.VolumeMounts {
		if m.MountPath == path {
			return m.Name
		}
	}
	return ""
}

func hasVolume(vs []corev1.Volume, name string) bool {
	for _, v := range vs {
		if v.Name == name {
			return true
		}
	}
	return false
}

func mustQuantity(t *testing.T, s string) resource.Quantity {
	t.Helper()
	q, err := resource.ParseQuantity(s)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func envValue(env []corev1.EnvVar, name string) string {
	for _, e := range env {
		if e.Name == name {
			return e.Value
		}
	}
	return ""
}
