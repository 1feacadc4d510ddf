package chart

import (
	"encoding/json"
	"testing"
)

// TestRenderIsDeterministic: the same values render byte-identical objects,
// so an unchanged RayCluster never looks changed to the reconciler (and a
// helm upgrade with the same values rolls nothing).
func TestRenderIsDeterministic(t *testing.T) {
	values := ftLiteral + `
headGroupSpec:
  rayStartParams: {num-cpus: "0", resources: '"{\"a\": 1}"', object-store-memory: "100000000", log-color: "true"}
  template: {spec: {containers: [{name: ray-head, image: "rayproject/ray:2.60.0"}]}}
workerGroupSpecs:
  - {groupName: b, replicas: 1, rayStartParams: {num-gpus: "1", z: "1", a: "2"}, template: {spec: {containers: [{name: w, image: i}]}}}
  - {groupName: a, replicas: 1, template: {spec: {containers: [{name: w, image: i}]}}}
`
	first := renderJSON(t, values)
	for i := 0; i < 5; i++ {
		if got := renderJSON(t, values); got != first {
			t.Fatalf("render %d differs from the first:\n%s\n---\n%s", i+2, got, first)
		}
	}
}

func renderJSON(t *testing.T, values string) string {
	t.Helper()
	objs, err := Render(testChart(t), testRelease, testNamespace, parseValues(t, values))
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(objs)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
