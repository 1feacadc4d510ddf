package chart

import (
	"testing"
)

// hashBase is a cluster whose every pod-affecting field the cases edit.
const hashBase = `
headGroupSpec:
  rayStartParams: {num-cpus: "0"}
  template:
    spec:
      containers: [{name: ray-head, image: rayproject/ray:2.60.0}]
workerGroupSpecs:
- groupName: small
  replicas: 1
  minReplicas: 0
  maxReplicas: 5
  rayStartParams: {}
  template:
    spec:
      containers: [{name: ray-worker, image: rayproject/ray:2.60.0}]
`

// TestTemplateHash: the ray.io/pod-template-hash annotation, which the
// operator compares under upgradeStrategy Recreate, changes with what the
// pods are made from and with nothing that only scales a group or shapes
// the head Service.
func TestTemplateHash(t *testing.T) {
	worker := func(v map[string]any) map[string]any { return v["workerGroupSpecs"].([]any)[0].(map[string]any) }
	head := func(v map[string]any) map[string]any { return v["headGroupSpec"].(map[string]any) }
	container := func(g map[string]any) map[string]any {
		return g["template"].(map[string]any)["spec"].(map[string]any)["containers"].([]any)[0].(map[string]any)
	}
	tests := map[string]hashCase{
		"worker replicas":         {edit: func(v map[string]any) { worker(v)["replicas"] = 3 }},
		"worker bounds":           {edit: func(v map[string]any) { worker(v)["minReplicas"], worker(v)["maxReplicas"] = 1, 9 }},
		"worker suspended":        {edit: func(v map[string]any) { worker(v)["suspend"] = true }},
		"cluster suspended":       {edit: func(v map[string]any) { v["suspend"] = true }},
		"head Service type":       {edit: func(v map[string]any) { head(v)["serviceType"] = "NodePort" }},
		"head Service annotation": {edit: func(v map[string]any) { v["headServiceAnnotations"] = map[string]any{"a": "b"} }},
		"worker env": {edit: func(v map[string]any) {
			container(worker(v))["env"] = []any{map[string]any{"name": "X", "value": "1"}}
		}, wkChanges: true},
		"worker rayStartParams": {edit: func(v map[string]any) { worker(v)["rayStartParams"] = map[string]any{"num-cpus": "2"} }, wkChanges: true},
		"head image":            {edit: func(v map[string]any) { container(head(v))["image"] = "rayproject/ray:2.61.0" }, headChanges: true},
		"head rayStartParams":   {edit: func(v map[string]any) { head(v)["rayStartParams"] = map[string]any{"num-cpus": "1"} }, headChanges: true},
		"autoscaler turned on":  {edit: func(v map[string]any) { v["enableInTreeAutoscaling"] = true }, headChanges: true},
		"autoscaler options while off": {edit: func(v map[string]any) {
			v["autoscalerOptions"] = map[string]any{"image": "example.com/as:1"}
		}},
		"worker idle timeout": {edit: func(v map[string]any) { worker(v)["idleTimeoutSeconds"] = 30 }},
	}
	// Edits of a cluster with the autoscaler on.
	autoscalingTests := map[string]hashCase{
		"autoscaler image": {edit: func(v map[string]any) {
			v["autoscalerOptions"].(map[string]any)["image"] = "example.com/as:1"
		}, headChanges: true},
		"autoscaler version": {edit: func(v map[string]any) {
			v["autoscalerOptions"].(map[string]any)["version"] = "v2"
		}, headChanges: true},
		"autoscaler idle timeout and upscaling mode": {edit: func(v map[string]any) {
			v["autoscalerOptions"].(map[string]any)["idleTimeoutSeconds"] = 5
			v["autoscalerOptions"].(map[string]any)["upscalingMode"] = "Conservative"
		}},
	}
	checkHashes(t, hashBase, tests)
	checkHashes(t, hashBase+"enableInTreeAutoscaling: true\nautoscalerOptions: {}\n", autoscalingTests)
}

// hashCase is an edit of the values and which hashes it must change.
type hashCase struct {
	edit                   func(v map[string]any)
	headChanges, wkChanges bool
}

func checkHashes(t *testing.T, base string, tests map[string]hashCase) {
	t.Helper()
	baseHead, baseWorker := templateHashes(t, parseValues(t, base))
	if len(baseHead) != 16 || len(baseWorker) != 16 {
		t.Fatalf("hashes %q and %q, want 16 hex digits each", baseHead, baseWorker)
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			vals := parseValues(t, base)
			tc.edit(vals)
			h, w := templateHashes(t, vals)
			if (h != baseHead) != tc.headChanges || (w != baseWorker) != tc.wkChanges {
				t.Errorf("head hash changed %v, worker hash changed %v; want %v, %v", h != baseHead, w != baseWorker, tc.headChanges, tc.wkChanges)
			}
		})
	}
}

func templateHashes(t *testing.T, vals map[string]any) (head, worker string) {
	t.Helper()
	objs, err := Render(testChart(t), testRelease, testNamespace, vals)
	if err != nil {
		t.Fatalf("render: %v", err)
	}
	r := typed(t, objs)
	const key = "ray.io/pod-template-hash"
	return r.head.Spec.Template.Annotations[key], r.worker(t, "small").Spec.Template.Annotations[key]
}
