package kuberay

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// oracleBatch mirrors the oracle's Batch (oracle/batch.go): the PodGroup
// KubeRay's batch scheduler plugin created.
type oracleBatch struct {
	PodGroup *unstructured.Unstructured `json:"podGroup,omitempty"`
}

// The object compared besides pods and the head Service, as Difference.Pod
// names it.
const objPodGroup = "PodGroup"

// Fields of the batch scheduler's facts.
const (
	fieldSchedulerName = "schedulerName"
	// fieldSchedulerAnno holds the pod annotations of the batch
	// schedulers' own domains (labels are compared with all pod labels).
	fieldSchedulerAnno = "scheduler annotation"
	fieldPodGroup      = "PodGroup" // (exists), apiVersion, name, spec.<path>
)

// schedulerAnnotationDomains are the annotation prefixes the batch
// scheduler plugins write.
var schedulerAnnotationDomains = []string{"scheduling.k8s.io/", "volcano.sh/", "yunikorn.apache.org/", "scheduling.x-k8s.io/", "kai.scheduler/"}

// yunikornTaskGroups is the annotation whose value is JSON with quantities:
// compared by meaning, not spelling.
const yunikornTaskGroups = "yunikorn.apache.org/task-groups"

// collectPodGroups finds the PodGroup among what the chart rendered.
func collectPodGroups(objs []*unstructured.Unstructured, out ourRender) (ourRender, error) {
	for _, o := range objs {
		if o.GetKind() != "PodGroup" {
			continue
		}
		if out.PodGroup != nil {
			return out, fmt.Errorf("two PodGroups rendered (%s, %s)", out.PodGroup.GetName(), o.GetName())
		}
		out.PodGroup = o
	}
	return out, nil
}

// batchDiffs compares what the batch scheduler does on both sides: each
// pod's schedulerName and scheduler annotations, and the PodGroup.
func batchDiffs(spec string, kr oracleResult, ours ourRender) []Difference {
	var diffs []Difference
	if ours.Head != nil {
		diffs = append(diffs, compareFacts(spec, "head", schedulerFacts(kr.Head.Annotations, kr.Head.Spec), schedulerFacts(ours.Head.Annotations, ours.Head.Spec))...)
	}
	for _, w := range kr.Workers {
		if o := ours.Workers[w.Group]; o != nil {
			diffs = append(diffs, compareFacts(spec, "worker "+w.Group, schedulerFacts(w.Pod.Annotations, w.Pod.Spec), schedulerFacts(o.Annotations, o.Spec))...)
		}
	}
	return append(diffs, compareFacts(spec, objPodGroup, podGroupFacts(kr.PodGroup), podGroupFacts(ours.PodGroup))...)
}

func schedulerFacts(annotations map[string]string, spec corev1.PodSpec) Facts {
	f := Facts{}
	if spec.SchedulerName != "" {
		f[Fact{fieldSchedulerName, ""}] = spec.SchedulerName
	}
	for k, v := range annotations {
		for _, d := range schedulerAnnotationDomains {
			if strings.HasPrefix(k, d) {
				if k == yunikornTaskGroups {
					v = normalTaskGroups(v)
				}
				f[Fact{fieldSchedulerAnno, k}] = v
			}
		}
	}
	return f
}

// normalTaskGroups rewrites YuniKorn's task groups with sorted keys and
// quantities in one spelling; a value that is not such JSON stays as is.
func normalTaskGroups(v string) string {
	var groups []map[string]any
	if err := json.Unmarshal([]byte(v), &groups); err != nil {
		return v
	}
	for _, g := range groups {
		res, _ := g["minResource"].(map[string]any)
		for name, q := range res {
			if s, ok := q.(string); ok {
				res[name] = normalQuantity(s)
			}
		}
	}
	b, err := json.Marshal(groups)
	if err != nil {
		return v
	}
	return string(b)
}

// normalQuantity is a quantity's exact decimal value ("1536Mi" and "1.5Gi"
// are the same), or the text when it is no quantity.
func normalQuantity(s string) string {
	q, err := resource.ParseQuantity(s)
	if err != nil {
		return s
	}
	return q.AsDec().String()
}

// podGroupFacts: whether there is one, its kind, name and every spec
// field, quantities by value. Labels, owner references and status are
// left out: they are bookkeeping, not what the scheduler is asked.
func podGroupFacts(pg *unstructured.Unstructured) Facts {
	f := Facts{}
	if pg == nil {
		f[Fact{fieldPodGroup, "(exists)"}] = "no"
		return f
	}
	f[Fact{fieldPodGroup, "(exists)"}] = "yes"
	f[Fact{fieldPodGroup, "apiVersion"}] = pg.GetAPIVersion() + " " + pg.GetKind()
	f[Fact{fieldPodGroup, "name"}] = pg.GetName()
	spec, _, _ := unstructured.NestedMap(pg.Object, "spec")
	flattenPodGroup(f, "spec", spec)
	return f
}

func flattenPodGroup(f Facts, path string, v any) {
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 0 {
			f[Fact{fieldPodGroup, path}] = "{}"
			return
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			flattenPodGroup(f, path+"."+k, x[k])
		}
	case string:
		if strings.HasPrefix(path, "spec.minResources.") {
			x = normalQuantity(x)
		}
		f[Fact{fieldPodGroup, path}] = x
	default:
		b, _ := json.Marshal(x)
		f[Fact{fieldPodGroup, path}] = string(b)
	}
}
