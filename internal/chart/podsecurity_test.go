package chart

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	psaapi "k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"
)

// TestPodSecurityRestricted evaluates every rendered pod template (head,
// workers, their init containers) with the Pod Security Admission library
// at level restricted, latest version: what a namespace labelled
// pod-security.kubernetes.io/enforce=restricted admits.
func TestPodSecurityRestricted(t *testing.T) {
	evaluator := restrictedEvaluator(t)
	tests := map[string]string{
		"default values": "",
		"GCS FT with a Secret and two groups": `
gcsFaultToleranceOptions:
  redisAddress: redis:6379
  redisUsername: {value: ray}
  redisPassword: {valueFrom: {secretKeyRef: {name: redis-auth, key: password}}}
workerGroupSpecs:
  - groupName: cpu
    template: {spec: {containers: [{name: w, image: "rayproject/ray:2.60.0"}]}}
  - groupName: gpu
    template:
      spec:
        initContainers: [{name: fetch, image: busybox}]
        containers:
          - {name: w, image: "rayproject/ray:2.60.0"}
          - {name: sidecar, image: busybox}
`,
		"Ray 2.52 exec probes": `rayVersion: "2.52.0"`,
	}
	for name, values := range tests {
		t.Run(name, func(t *testing.T) {
			r := renderValues(t, values)
			pods := map[string]corev1.PodTemplateSpec{"head": r.head.Spec.Template}
			for group, d := range r.workers {
				pods["worker "+group] = d.Spec.Template
				if len(d.Spec.Template.Spec.InitContainers) == 0 {
					t.Errorf("worker %s has no init container to check", group)
				}
			}
			for what, pod := range pods {
				if reason := evaluate(evaluator, pod); reason != "" {
					t.Errorf("%s pod template is not restricted: %s", what, reason)
				}
			}
		})
	}
}

// TestPodSecurityUserOverride shows the check above can fail: a template
// that asks for privileges keeps them (the user's fields win), and the
// evaluator then reports it.
func TestPodSecurityUserOverride(t *testing.T) {
	r := renderValues(t, `
headGroupSpec:
  template:
    spec:
      containers:
        - name: ray-head
          image: rayproject/ray:2.60.0
          securityContext: {privileged: true, allowPrivilegeEscalation: true}
`)
	if reason := evaluate(restrictedEvaluator(t), r.head.Spec.Template); reason == "" {
		t.Fatalf("a privileged head passed the restricted checks")
	}
	if reason := evaluate(restrictedEvaluator(t), r.worker(t, "workergroup").Spec.Template); reason != "" {
		t.Errorf("worker not restricted: %s", reason)
	}
}

func restrictedEvaluator(t *testing.T) policy.Evaluator {
	t.Helper()
	e, err := policy.NewEvaluator(policy.DefaultChecks(), nil)
	if err != nil {
		t.Fatalf("creating the pod security evaluator: %v", err)
	}
	return e
}

// evaluate returns "" when the pod template is allowed at restricted.
func evaluate(e policy.Evaluator, pod corev1.PodTemplateSpec) string {
	lv := psaapi.LevelVersion{Level: psaapi.LevelRestricted, Version: psaapi.LatestVersion()}
	res := policy.AggregateCheckResults(e.EvaluatePod(lv, &pod.ObjectMeta, &pod.Spec))
	if res.Allowed {
		return ""
	}
	return res.ForbiddenReason() + ": " + res.ForbiddenDetail()
}
