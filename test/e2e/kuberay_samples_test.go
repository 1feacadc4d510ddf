/*
Copyright 2026 The ray-ha-operator Authors.
*/

package e2e

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"
	"text/tabwriter"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
	"github.com/ray-ha-operator/ray-ha-operator/test/harness"
	"github.com/ray-ha-operator/ray-ha-operator/test/kuberay"
)

// sampleVerdict is what became of a sample's RayCluster.
type sampleVerdict string

const (
	// sampleReady: accepted, SpecValid True, state ready.
	sampleReady sampleVerdict = "ready"
	// sampleRejected: the API server refused it; the causes name the fields.
	sampleRejected sampleVerdict = "rejected"
	// sampleRefused: accepted, then refused by the operator (SpecValid
	// False); the causes are the fields its message names.
	sampleRefused sampleVerdict = "refused"
	// sampleUnsettled: accepted, and neither ready nor refused in time.
	sampleUnsettled sampleVerdict = "not settled"
)

// sampleOutcome is a verdict with its causes (none for ready).
type sampleOutcome struct {
	Verdict sampleVerdict
	Causes  []fieldCause
}

// kubeRaySampleOutcomes is what happens today to each RayCluster sample of
// KubeRay v1.5.0 applied unchanged, keyed by sample file (and RayCluster
// name after a slash when a file holds several). It records the code's
// behaviour, so a change of the CRD or of the operator's validation shows
// here.
var kubeRaySampleOutcomes = map[string]sampleOutcome{
	"ray-cluster.auth.yaml":                    {Verdict: sampleReady},
	"ray-cluster.autoscaler-v2.yaml":           {Verdict: sampleReady},
	"ray-cluster.autoscaler.yaml":              {Verdict: sampleReady},
	"ray-cluster.complete.yaml":                {Verdict: sampleReady},
	"ray-cluster.custom-head-service.yaml":     {Verdict: sampleReady},
	"ray-cluster.deprecate-gcs-ft.yaml":        {Verdict: sampleReady},
	"ray-cluster.embed-grafana.yaml":           {Verdict: sampleReady},
	"ray-cluster.external-redis-uri.yaml":      {Verdict: sampleReady},
	"ray-cluster.external-redis.yaml":          {Verdict: sampleReady},
	"ray-cluster.fluentbit.yaml":               {Verdict: sampleReady},
	"ray-cluster.gke-bucket.yaml":              {Verdict: sampleReady},
	"ray-cluster.head-command.yaml":            {Verdict: sampleReady},
	"ray-cluster.kai-gpu-sharing.yaml":         {Verdict: sampleReady},
	"ray-cluster.kai-scheduler.yaml":           {Verdict: sampleReady},
	"ray-cluster.overwrite-command.yaml":       {Verdict: sampleReady},
	"ray-cluster.persistent-redis.yaml":        {Verdict: sampleReady},
	"ray-cluster.py-spy.yaml":                  {Verdict: sampleReady},
	"ray-cluster.sample.yaml":                  {Verdict: sampleReady},
	"ray-cluster.scheduler-plugins.yaml":       {Verdict: sampleReady},
	"ray-cluster.separate-ingress.yaml":        {Verdict: sampleReady},
	"ray-cluster.tls.yaml":                     {Verdict: sampleReady},
	"ray-cluster.tpu-v4-multihost.yaml":        {Verdict: sampleReady},
	"ray-cluster.tpu-v4-singlehost.yaml":       {Verdict: sampleReady},
	"ray-cluster.tpu-v6e-16-multihost.yaml":    {Verdict: sampleReady},
	"ray-cluster.tpu-v6e-256-multihost.yaml":   {Verdict: sampleReady},
	"ray-cluster.tpu-v6e-singlehost.yaml":      {Verdict: sampleReady},
	"ray-cluster.uv.yaml":                      {Verdict: sampleReady},
	"ray-cluster.verl.yaml":                    {Verdict: sampleReady},
	"ray-cluster.volcano-scheduler-queue.yaml": {Verdict: sampleReady},
	"ray-cluster.volcano-scheduler.yaml":       {Verdict: sampleReady},
	"ray-cluster.yunikorn-scheduler.yaml":      {Verdict: sampleReady},
}

// TestKubeRaySamples applies every KubeRay v1.5.0 RayCluster sample whole
// and unchanged, each in its own namespace, with the operator running:
// each RayCluster is either refused by the API server with the field named,
// or accepted and ready with its spec valid. All samples are applied before
// any is waited for, so they converge together.
func TestKubeRaySamples(t *testing.T) {
	if testing.Short() {
		t.Skip("e2e on the simulated cluster: skipped with -short")
	}
	samples, err := kuberay.Samples()
	if err != nil {
		t.Fatalf("locating KubeRay's samples: %v", err)
	}
	objects, needs := readSamples(t, samples)
	env := Start(t, Options{Nodes: needs.nodes(), NodeCapacity: needs.capacity()})
	env.labelNodes(t, needs)
	t.Logf("nodes offer %v and carry the selectors %v", needs.Resources, needs.Selectors)

	ctx := context.Background()
	applied := make([]appliedSample, len(samples))
	namespaces := make([]string, len(samples))
	for i, s := range samples {
		namespaces[i] = env.Namespace(t, sampleNamespace(s.Name))
		applied[i] = env.applySample(ctx, namespaces[i], objects[i])
	}
	got := map[string]sampleOutcome{}
	for i, s := range samples {
		t.Run(s.Name, func(t *testing.T) {
			checkSample(t, env, s.Name, namespaces[i], applied[i], got)
		})
	}
	t.Logf("KubeRay %s samples applied unchanged:\n%s", kuberay.KubeRayVersion, outcomeTable(got))
	for key := range kubeRaySampleOutcomes {
		if _, ok := got[key]; !ok {
			t.Errorf("expected outcome for %s, which is no RayCluster sample of KubeRay %s", key, kuberay.KubeRayVersion)
		}
	}
}

// readSamples decodes every sample file and collects what their pods ask
// of the nodes.
func readSamples(t *testing.T, samples []kuberay.Sample) ([][]*unstructured.Unstructured, nodeNeeds) {
	t.Helper()
	objects := make([][]*unstructured.Unstructured, len(samples))
	var all []*unstructured.Unstructured
	for i, s := range samples {
		objs, err := kuberay.Documents(s.Path)
		if err != nil {
			t.Fatal(err)
		}
		objects[i] = objs
		all = append(all, objs...)
	}
	needs, err := nodeNeedsOf(all)
	if err != nil {
		t.Fatal(err)
	}
	return objects, needs
}

// checkSample waits for each RayCluster of a sample to settle, records its
// outcome in got and compares it with the expected one.
func checkSample(t *testing.T, env *Env, file, ns string, applied appliedSample, got map[string]sampleOutcome) {
	for _, other := range applied.Others {
		t.Logf("%s", other)
	}
	for _, failed := range applied.Failed {
		t.Errorf("the sample's other objects must apply: %s", failed)
	}
	if len(applied.RayClusters) == 0 {
		t.Fatalf("no RayCluster in %s", file)
	}
	for _, name := range slices.Sorted(maps.Keys(applied.RayClusters)) {
		key := file
		if len(applied.RayClusters) > 1 {
			key += "/" + name
		}
		got[key] = sampleOutcome{Verdict: sampleUnsettled}
		out := sampleOutcome{Verdict: sampleRejected}
		if err := applied.RayClusters[name]; err != nil {
			out.Causes = rejectionCauses(err)
		} else {
			out = env.waitSampleSettled(t, ns, name)
			if out.Verdict == sampleReady {
				env.checkSampleWorkers(t, ns, name)
				env.checkSampleAutoscaler(t, ns, name)
			}
		}
		slices.SortFunc(out.Causes, func(a, b fieldCause) int {
			return cmp.Or(cmp.Compare(a.Field, b.Field), cmp.Compare(a.Message, b.Message))
		})
		got[key] = out
		checkFieldsNamed(t, out)
		want, ok := kubeRaySampleOutcomes[key]
		switch {
		case !ok:
			t.Errorf("no expected outcome for %s; it is\n%s", key, out.goLiteral(key))
		case !out.equal(want):
			t.Errorf("outcome of %s changed; it is now\n%s\nexpected\n%s", key, out.goLiteral(key), want.goLiteral(key))
		}
	}
}

// checkFieldsNamed holds every refusal to the bar: the message
// names the field and says why.
func checkFieldsNamed(t *testing.T, out sampleOutcome) {
	t.Helper()
	if out.Verdict != sampleRejected && out.Verdict != sampleRefused {
		return
	}
	if len(out.Causes) == 0 {
		t.Errorf("%s without a cause", out.Verdict)
	}
	for _, c := range out.Causes {
		if !fieldPath.MatchString(c.Field) || strings.TrimSpace(c.Message) == "" {
			t.Errorf("%s without naming the field and why: field %q, message %q", out.Verdict, c.Field, c.Message)
		}
	}
}

// fieldPath is a RayCluster field path as API errors write them.
var fieldPath = regexp.MustCompile(`^(spec|metadata)(\.|\[|$)`)

// waitSampleSettled waits until the operator has judged the RayCluster's
// current generation and it is either refused (SpecValid False) or valid
// and ready.
func (e *Env) waitSampleSettled(t *testing.T, ns, name string) sampleOutcome {
	t.Helper()
	var out sampleOutcome
	took := harness.Eventually(t, readyTimeout, "RayCluster "+ns+"/"+name+" ready or refused", func(context.Context) (bool, string, error) {
		rc := e.RayCluster(t, ns, name)
		valid := harness.FindCondition(rc, rayv1.SpecValid)
		judged := valid != nil && valid.ObservedGeneration == rc.Generation
		switch {
		case judged && valid.Status == metav1.ConditionFalse:
			out = sampleOutcome{Verdict: sampleRefused, Causes: fieldsInMessage(valid.Message)}
			return true, "", nil
		case judged && valid.Status == metav1.ConditionTrue && rc.Status.State == rayv1.ClusterStateReady:
			out = sampleOutcome{Verdict: sampleReady}
			return true, "", nil
		}
		return false, fmt.Sprintf("state %q, conditions %s; unscheduled pods: [%s]",
			rc.Status.State, harness.ConditionSummary(rc), e.podsPending(context.Background(), ns)), nil
	})
	t.Logf("RayCluster %s/%s %s after %s", ns, name, out.Verdict, took.Round(time.Millisecond))
	return out
}

// checkSampleWorkers: a ready sample runs exactly the worker pods its
// groups ask for (replicas clamped, times numOfHosts), and has the headless
// worker Service exactly when a group has more than one host per replica.
func (e *Env) checkSampleWorkers(t *testing.T, ns, name string) {
	t.Helper()
	rc := e.RayCluster(t, ns, name)
	u, err := runtime.DefaultUnstructuredConverter.ToUnstructured(rc)
	if err != nil {
		t.Fatal(err)
	}
	groups, _, _ := unstructured.NestedSlice(u, "spec", "workerGroupSpecs")
	var want int64
	multiHost := false
	for i, g := range groups {
		gm, _ := g.(map[string]any)
		multiHost = multiHost || rc.Spec.WorkerGroupSpecs[i].NumOfHosts > 1
		if !ptr.Deref(rc.Spec.WorkerGroupSpecs[i].Suspend, false) {
			want += samplePodCount(gm)
		}
	}
	if got := len(e.WorkerUIDs(t, ns, name)); int64(got) != want || int64(rc.Status.ReadyWorkerReplicas) != want {
		t.Errorf("%s/%s: %d worker pods, %d Ready in status; want %d", ns, name, got, rc.Status.ReadyWorkerReplicas, want)
	}
	var svc corev1.Service
	err = e.Client.Get(context.Background(), types.NamespacedName{Namespace: ns, Name: name + "-headless"}, &svc)
	if exists := err == nil; exists != multiHost || (err != nil && !apierrors.IsNotFound(err)) {
		t.Errorf("%s/%s: headless worker Service exists %t (%v), want %t", ns, name, exists, err, multiHost)
	}
}

func (o sampleOutcome) equal(want sampleOutcome) bool {
	return o.Verdict == want.Verdict && slices.Equal(o.Causes, want.Causes)
}

// goLiteral writes the outcome as a row of kubeRaySampleOutcomes, so a
// changed behaviour is one paste away from the table.
func (o sampleOutcome) goLiteral(key string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\t%q: {Verdict: %s", key, verdictConst[o.Verdict])
	if len(o.Causes) > 0 {
		b.WriteString(", Causes: []fieldCause{\n")
		for _, c := range o.Causes {
			fmt.Fprintf(&b, "\t\t{Field: %q, Message: %q},\n", c.Field, c.Message)
		}
		b.WriteString("\t}")
	}
	b.WriteString("},")
	return b.String()
}

var verdictConst = map[sampleVerdict]string{
	sampleReady: "sampleReady", sampleRejected: "sampleRejected", sampleRefused: "sampleRefused", sampleUnsettled: "sampleUnsettled",
}

// outcomeTable lays the outcomes out one RayCluster a line; refusals by
// the operator come last, apart.
func outcomeTable(got map[string]sampleOutcome) string {
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	keys := slices.Sorted(maps.Keys(got))
	for _, refusedPass := range []bool{false, true} {
		if refusedPass {
			fmt.Fprintln(w, "-- accepted, then refused by the operator (SpecValid False) --")
		}
		for _, key := range keys {
			o := got[key]
			if (o.Verdict == sampleRefused) != refusedPass {
				continue
			}
			if len(o.Causes) == 0 {
				fmt.Fprintf(w, "%s\t%s\t\t\n", key, o.Verdict)
			}
			for _, c := range o.Causes {
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", key, o.Verdict, c.Field, c.Message)
			}
		}
	}
	w.Flush()
	return b.String()
}

// sampleNamespace names a sample's namespace after its file:
// ray-cluster.tpu-v4-multihost.yaml is sample-tpu-v4-multihost.
func sampleNamespace(file string) string {
	name := strings.TrimSuffix(strings.TrimPrefix(file, "ray-cluster."), ".yaml")
	name = strings.Trim(nonLabel.ReplaceAllString(strings.ToLower(name), "-"), "-")
	return "sample-" + name[:min(len(name), 56)]
}

var nonLabel = regexp.MustCompile(`[^a-z0-9-]+`)
