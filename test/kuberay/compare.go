package kuberay

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// absent is how a property one side's pod lacks is shown.
const absent = "(absent)"

// Difference is one property where our pod differs from KubeRay's.
type Difference struct {
	Spec    string // the sample or generated spec
	Pod     string // "head", "worker <group>", or "cluster"
	Field   string
	Name    string
	KubeRay string
	Ours    string
	// Reason is the allow-list's reason when the difference is deliberate;
	// empty when it is not, and the test fails.
	Reason string
}

func (d Difference) String() string {
	name := d.Field
	if d.Name != "" {
		name += " " + d.Name
	}
	return fmt.Sprintf("%s, %s: %s\n      KubeRay: %s\n      ours:    %s", d.Spec, d.Pod, name, d.KubeRay, d.Ours)
}

// compareFacts lists every property whose value differs, sorted by field
// and name, with the allow-list's reason filled in.
func compareFacts(spec, pod string, kuberay, ours Facts) []Difference {
	keys := map[Fact]bool{}
	for k := range kuberay {
		keys[k] = true
	}
	for k := range ours {
		keys[k] = true
	}
	var diffs []Difference
	for k := range keys {
		kv, kok := kuberay[k]
		ov, ook := ours[k]
		if kok == ook && kv == ov {
			continue
		}
		if !kok {
			kv = absent
		}
		if !ook {
			ov = absent
		}
		d := Difference{Spec: spec, Pod: pod, Field: k.Field, Name: k.Name, KubeRay: kv, Ours: ov}
		d.Reason = allowReason(d, kuberay, ours)
		diffs = append(diffs, d)
	}
	sortDifferences(diffs)
	return diffs
}

func sortDifferences(diffs []Difference) {
	sort.Slice(diffs, func(i, j int) bool {
		a, b := diffs[i], diffs[j]
		if a.Pod != b.Pod {
			return podOrder(a.Pod) < podOrder(b.Pod)
		}
		if a.Field != b.Field {
			return a.Field < b.Field
		}
		return a.Name < b.Name
	})
}

// podOrder sorts the cluster first, then the head, then workers by group.
func podOrder(pod string) string {
	switch pod {
	case "cluster":
		return "0"
	case "head":
		return "1"
	}
	return "2" + pod
}

// Outcome is what the comparison of one spec found.
type Outcome struct {
	Spec string
	// KubeRayRejected and OursRejected hold each side's refusal message.
	KubeRayRejected string
	OursRejected    string
	Diffs           []Difference
	// Dropped are spec fields our API type does not keep.
	Dropped []string
	// Err is what kept the comparison from being made (the test fails).
	Err string
}

// Failures are the differences not on the allow-list.
func (o Outcome) Failures() []Difference {
	var out []Difference
	for _, d := range o.Diffs {
		if d.Reason == "" {
			out = append(out, d)
		}
	}
	return out
}

// compareCluster compares what KubeRay and our chart make of one RayCluster.
// A KubeRay build error (not a refusal) is an error: there is nothing to
// compare against.
func compareCluster(spec string, obj *unstructured.Unstructured, kr oracleResult, ours ourRender) (Outcome, error) {
	out := Outcome{Spec: spec, KubeRayRejected: kr.Rejected, OursRejected: ours.Rejected, Dropped: ours.Dropped}
	if kr.Error != "" {
		return out, fmt.Errorf("%s: KubeRay could not build pods: %s", spec, kr.Error)
	}
	switch {
	case kr.Rejected != "" && ours.Rejected != "":
		return out, nil
	case ours.Rejected != "":
		return out, nil // refusing what KubeRay runs is allowed; it is listed
	case kr.Rejected != "":
		d := Difference{Spec: spec, Pod: "cluster", Field: "admission", KubeRay: "rejected: " + kr.Rejected, Ours: "accepted"}
		d.Reason = allowReason(d, Facts{}, Facts{})
		out.Diffs = append(out.Diffs, d)
		return out, nil
	}
	if kr.Head == nil {
		return out, fmt.Errorf("%s: the oracle returned no head pod", spec)
	}
	ns := obj.GetNamespace()
	if ns == "" {
		ns = defaultNamespace
	}
	head, err := userTemplate(obj, "headGroupSpec")
	if err != nil {
		return out, err
	}
	out.Diffs = append(out.Diffs, comparePods(spec, "head", ns, head, kr.Head.Labels, kr.Head.Spec, ours.Head)...)
	seen := map[string]bool{}
	for i, w := range kr.Workers {
		seen[w.Group] = true
		user, err := userTemplate(obj, "workerGroupSpecs", i)
		if err != nil {
			return out, err
		}
		out.Diffs = append(out.Diffs, comparePods(spec, "worker "+w.Group, ns, user, w.Pod.Labels, w.Pod.Spec, ours.Workers[w.Group])...)
	}
	out.Diffs = append(out.Diffs, networkDiffs(spec, obj, kr, ours)...)
	out.Diffs = append(out.Diffs, batchDiffs(spec, kr, ours)...)
	out.Diffs = append(out.Diffs, autoscalerRBACDiffs(spec, kr, ours)...)
	for g := range ours.Workers {
		if !seen[g] {
			d := Difference{Spec: spec, Pod: "worker " + g, Field: "pod", KubeRay: absent, Ours: "rendered"}
			d.Reason = allowReason(d, nil, nil)
			out.Diffs = append(out.Diffs, d)
		}
	}
	sortDifferences(out.Diffs)
	return out, nil
}

// comparePods compares one KubeRay pod with our template for the same
// group (nil when the chart rendered none).
func comparePods(spec, pod, ns string, user corev1.PodTemplateSpec, krLabels map[string]string, krSpec corev1.PodSpec, ours *corev1.PodTemplateSpec) []Difference {
	if ours == nil {
		d := Difference{Spec: spec, Pod: pod, Field: "pod", KubeRay: "built", Ours: absent}
		d.Reason = allowReason(d, nil, nil)
		return []Difference{d}
	}
	kf := podFacts(podView{Labels: krLabels, Spec: krSpec, Namespace: ns, User: user})
	of := podFacts(podView{Labels: ours.Labels, Spec: ours.Spec, Namespace: ns, User: user})
	return compareFacts(spec, pod, kf, of)
}

// userTemplate reads a group's pod template from the RayCluster as written
// (path: "headGroupSpec", or "workerGroupSpecs" and an index).
func userTemplate(obj *unstructured.Unstructured, path ...any) (corev1.PodTemplateSpec, error) {
	var pt corev1.PodTemplateSpec
	spec, _ := obj.Object["spec"].(map[string]any)
	var group map[string]any
	switch len(path) {
	case 1:
		group, _ = spec[path[0].(string)].(map[string]any)
	case 2:
		list, _ := spec[path[0].(string)].([]any)
		if i := path[1].(int); i < len(list) {
			group, _ = list[i].(map[string]any)
		}
	}
	b, err := json.Marshal(group["template"])
	if err != nil {
		return pt, fmt.Errorf("reading the pod template at %v: %w", path, err)
	}
	if err := json.Unmarshal(b, &pt); err != nil {
		return pt, fmt.Errorf("decoding the pod template at %v: %w", path, err)
	}
	return pt, nil
}

// summary is one line per outcome for the test log.
func (o Outcome) summary() string {
	switch {
	case o.Err != "":
		return "NOT COMPARED: " + o.Err
	case o.KubeRayRejected != "" && o.OursRejected != "":
		return fmt.Sprintf("rejected by KubeRay (%s) and by us (%s)", o.KubeRayRejected, o.OursRejected)
	case o.OursRejected != "":
		return "rejected by us: " + o.OursRejected
	}
	fails, allowed := len(o.Failures()), len(o.Diffs)-len(o.Failures())
	s := fmt.Sprintf("compared: %d differences not on the allow-list, %d on it", fails, allowed)
	if len(o.Dropped) > 0 {
		s += "; our API drops " + strings.Join(o.Dropped, ", ")
	}
	return s
}
