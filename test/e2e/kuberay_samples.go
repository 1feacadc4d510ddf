/*
Copyright 2026 The ray-ha-operator Authors.
*/

package e2e

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
	"github.com/ray-ha-operator/ray-ha-operator/test/simcluster"
)

// nodeNeeds is what the pods of a set of RayClusters ask of the nodes:
// node selectors some node must match, and resources (GPUs, TPUs,
// ephemeral storage) some node must offer beyond the simulated default.
type nodeNeeds struct {
	// Selectors are the distinct non-empty nodeSelectors, sorted.
	Selectors []map[string]string
	// Resources are the requested resource names the simulated nodes do
	// not offer by default.
	Resources []corev1.ResourceName
	// Total is what all the pods ask for together (each container's
	// request, else its limit), so one node can hold them all even where
	// a single node selector gathers them (a 64-host TPU slice).
	Total corev1.ResourceList
}

// nodeNeedsOf collects the node needs of every pod template of the
// RayClusters among objs.
func nodeNeedsOf(objs []*unstructured.Unstructured) (nodeNeeds, error) {
	selectors := map[string]map[string]string{}
	missing := map[corev1.ResourceName]bool{}
	offered := simcluster.DefaultNodeCapacity()
	total := corev1.ResourceList{}
	for _, u := range objs {
		if u.GetKind() != "RayCluster" {
			continue
		}
		specs, err := rayClusterPodSpecs(u)
		if err != nil {
			return nodeNeeds{}, err
		}
		for _, pods := range specs {
			spec := pods.Spec
			addAsks(total, spec.Containers, pods.Count)
			if len(spec.NodeSelector) > 0 {
				selectors[fmt.Sprint(spec.NodeSelector)] = spec.NodeSelector
			}
			for _, c := range slices.Concat(spec.InitContainers, spec.Containers) {
				for _, list := range []corev1.ResourceList{c.Resources.Limits, c.Resources.Requests} {
					for name := range list {
						if _, ok := offered[name]; !ok {
							missing[name] = true
						}
					}
				}
			}
		}
	}
	var needs nodeNeeds
	for _, key := range slices.Sorted(maps.Keys(selectors)) {
		needs.Selectors = append(needs.Selectors, selectors[key])
	}
	needs.Resources = slices.Sorted(maps.Keys(missing))
	needs.Total = total
	return needs, nil
}

// addAsks adds count times the containers' requests (else limits) to total.
func addAsks(total corev1.ResourceList, containers []corev1.Container, count int64) {
	for _, c := range containers {
		asks := corev1.ResourceList{}
		maps.Copy(asks, c.Resources.Limits)
		maps.Copy(asks, c.Resources.Requests)
		for name, q := range asks {
			sum := total[name]
			for range count {
				sum.Add(q)
			}
			total[name] = sum
		}
	}
}

// groupPods is a Ray group's pod spec and how many pods it asks for.
type groupPods struct {
	Spec  corev1.PodSpec
	Count int64
}

// rayClusterPodSpecs decodes the pod specs of a RayCluster's head and
// worker groups, with their pod counts (replicas clamped to the bounds,
// times numOfHosts); fields the pod spec does not know are not its concern.
func rayClusterPodSpecs(u *unstructured.Unstructured) ([]groupPods, error) {
	groups, _, err := unstructured.NestedSlice(u.Object, "spec", "workerGroupSpecs")
	if err != nil {
		return nil, fmt.Errorf("RayCluster %s: workerGroupSpecs: %w", u.GetName(), err)
	}
	type raw struct {
		spec  map[string]any
		count int64
	}
	var raws []raw
	if head, ok, _ := unstructured.NestedMap(u.Object, "spec", "headGroupSpec", "template", "spec"); ok {
		raws = append(raws, raw{head, 1})
	}
	for _, g := range groups {
		if gm, ok := g.(map[string]any); ok {
			if spec, ok, _ := unstructured.NestedMap(gm, "template", "spec"); ok {
				raws = append(raws, raw{spec, samplePodCount(gm)})
			}
		}
	}
	specs := make([]groupPods, 0, len(raws))
	for _, r := range raws {
		var spec corev1.PodSpec
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(r.spec, &spec); err != nil {
			return nil, fmt.Errorf("RayCluster %s: decoding a pod template: %w", u.GetName(), err)
		}
		specs = append(specs, groupPods{Spec: spec, Count: r.count})
	}
	return specs, nil
}

// samplePodCount is how many pods a worker group asks for, as the chart
// counts them: replicas clamped to [minReplicas, maxReplicas], times
// numOfHosts.
func samplePodCount(group map[string]any) int64 {
	// The samples' YAML decodes numbers as float64.
	number := func(key string, def int64) int64 {
		switch v := group[key].(type) {
		case float64:
			return int64(v)
		case int64:
			return v
		}
		return def
	}
	lo, hi := number("minReplicas", 0), number("maxReplicas", math.MaxInt32)
	replicas := min(max(number("replicas", lo), lo), hi)
	return replicas * max(number("numOfHosts", 1), 1)
}

// capacity is simcluster's default node capacity, raised to what all the
// samples' pods ask for together, plus plenty of each missing resource, so
// that one node holds every sample's pods, GPUs and TPUs
// at once: a thousand devices (extended resources count whole units), a
// pebibyte of anything else (ephemeral storage, say).
func (n nodeNeeds) capacity() corev1.ResourceList {
	c := simcluster.DefaultNodeCapacity()
	for name, q := range n.Total {
		if have, ok := c[name]; ok && have.Cmp(q) < 0 {
			c[name] = q
		}
	}
	for _, name := range n.Resources {
		c[name] = resource.MustParse("1Pi")
		if strings.Contains(string(name), "/") && !strings.HasPrefix(string(name), corev1.ResourceHugePagesPrefix) {
			c[name] = resource.MustParse("1000")
		}
	}
	return c
}

// nodes is how many simulated nodes the needs take: one per distinct
// selector (two selectors may ask different values of one label, such as
// a TPU topology), and never fewer than the harness's default.
func (n nodeNeeds) nodes() int { return max(len(n.Selectors), 3) }

// labelNodes gives node i the labels of selector i, as an administrator
// labels a node pool (kubectl label node); the simulated cluster's options
// label every node alike, and selectors may conflict.
func (e *Env) labelNodes(t *testing.T, needs nodeNeeds) {
	t.Helper()
	names := e.Cluster.NodeNames()
	if len(names) < len(needs.Selectors) {
		t.Fatalf("%d nodes for %d distinct node selectors", len(names), len(needs.Selectors))
	}
	for i, sel := range needs.Selectors {
		node := &corev1.Node{}
		if err := e.Client.Get(context.Background(), types.NamespacedName{Name: names[i]}, node); err != nil {
			t.Fatalf("reading node %s: %v", names[i], err)
		}
		before := node.DeepCopy()
		maps.Copy(node.Labels, sel)
		if err := e.Client.Patch(context.Background(), node, client.MergeFrom(before)); err != nil {
			t.Fatalf("labelling node %s with %v: %v", names[i], sel, err)
		}
	}
}

// appliedSample is what the API server answered for each object of a sample.
type appliedSample struct {
	// RayClusters maps each RayCluster's name to the API server's error
	// (nil: accepted).
	RayClusters map[string]error
	// Others lists the other objects, each with what became of it.
	Others []string
	// Failed lists the other objects the API server refused: the sample
	// then is not applied as its author meant.
	Failed []string
}

// applySample creates every object of a sample in ns, unchanged, with
// strict field validation as kubectl apply sends it. Cluster-scoped
// objects keep their names. Kinds the simulated cluster does not serve
// (another scheduler's Queue, say) are listed as skipped.
func (e *Env) applySample(ctx context.Context, ns string, objs []*unstructured.Unstructured) appliedSample {
	out := appliedSample{RayClusters: map[string]error{}}
	e.createPresumedServiceAccounts(ctx, ns, objs, &out)
	for _, orig := range objs {
		u := orig.DeepCopy()
		what := u.GetKind() + "/" + u.GetName()
		namespaced, err := e.Client.IsObjectNamespaced(u)
		if meta.IsNoMatchError(err) {
			out.Others = append(out.Others, what+": skipped, kind not served by the simulated cluster")
			continue
		}
		if err != nil {
			out.Failed = append(out.Failed, fmt.Sprintf("%s: %v", what, err))
			continue
		}
		if namespaced {
			u.SetNamespace(ns)
		}
		err = e.Client.Create(ctx, u, client.FieldValidation(metav1.FieldValidationStrict))
		switch {
		case u.GroupVersionKind().GroupKind() == rayv1.GroupVersion.WithKind("RayCluster").GroupKind():
			out.RayClusters[u.GetName()] = err
		case err != nil:
			out.Failed = append(out.Failed, fmt.Sprintf("%s: %v", what, err))
		default:
			out.Others = append(out.Others, what+": created")
		}
	}
	return out
}

// createPresumedServiceAccounts creates the service accounts the
// RayClusters' pods run as that the sample does not ship: its guide has the
// user make them first (a GKE Workload Identity account, say), and without
// them the API server refuses the pods, not the RayCluster.
func (e *Env) createPresumedServiceAccounts(ctx context.Context, ns string, objs []*unstructured.Unstructured, out *appliedSample) {
	shipped := map[string]bool{}
	for _, u := range objs {
		if u.GetKind() == "ServiceAccount" {
			shipped[u.GetName()] = true
		}
	}
	for _, u := range objs {
		if u.GetKind() != "RayCluster" {
			continue
		}
		specs, err := rayClusterPodSpecs(u)
		if err != nil {
			out.Failed = append(out.Failed, err.Error())
			continue
		}
		for _, spec := range specs {
			name := spec.Spec.ServiceAccountName
			if name == "" || shipped[name] {
				continue
			}
			shipped[name] = true
			sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
			if err := e.Client.Create(ctx, sa); err != nil {
				out.Failed = append(out.Failed, fmt.Sprintf("ServiceAccount/%s (presumed by the sample): %v", name, err))
				continue
			}
			out.Others = append(out.Others, "ServiceAccount/"+name+": created first, the sample presumes it")
		}
	}
}

// fieldCause is one reason a RayCluster was refused: the field and why.
type fieldCause struct {
	Field   string
	Message string
}

// fieldInMessage finds field paths in a message that names them in prose
// (a strict decoding error, the operator's aggregate of field errors).
var fieldInMessage = regexp.MustCompile(`\b(?:spec|metadata)\.[A-Za-z0-9_.\[\]-]*[A-Za-z0-9_\]]`)

// rejectionCauses returns the field causes of the API server's refusal;
// when the Status carries none, the fields its message names.
func rejectionCauses(err error) []fieldCause {
	var status apierrors.APIStatus
	if !errors.As(err, &status) {
		return []fieldCause{{Message: err.Error()}}
	}
	var causes []fieldCause
	if d := status.Status().Details; d != nil {
		for _, c := range d.Causes {
			causes = append(causes, fieldCause{Field: c.Field, Message: c.Message})
		}
	}
	if len(causes) > 0 {
		return causes
	}
	return fieldsInMessage(status.Status().Message)
}

// fieldsInMessage makes one cause per field a message names, each with the
// whole message.
func fieldsInMessage(msg string) []fieldCause {
	fields := fieldInMessage.FindAllString(msg, -1)
	if len(fields) == 0 {
		return []fieldCause{{Message: msg}}
	}
	sort.Strings(fields)
	causes := make([]fieldCause, 0, len(fields))
	for _, f := range slices.Compact(fields) {
		causes = append(causes, fieldCause{Field: f, Message: msg})
	}
	return causes
}

// podsPending summarizes the pods of ns the scheduler has not placed, with
// its reason: why an accepted sample does not become ready.
func (e *Env) podsPending(ctx context.Context, ns string) string {
	var pods corev1.PodList
	if err := e.Client.List(ctx, &pods, client.InNamespace(ns)); err != nil {
		return err.Error()
	}
	var out []string
	for _, p := range pods.Items {
		for _, c := range p.Status.Conditions {
			if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse {
				out = append(out, fmt.Sprintf("%s: %s", p.Name, c.Message))
			}
		}
	}
	return strings.Join(out, "; ")
}
