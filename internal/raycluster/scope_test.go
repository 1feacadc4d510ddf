/*
Copyright 2026 The ray-ha-operator Authors.
*/

package raycluster

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ray-ha-operator/ray-ha-operator/test/testbin"
)

func TestHeadPodName(t *testing.T) {
	if got := HeadPodName("rc"); got != "rc-head-0" {
		t.Errorf("HeadPodName = %q", got)
	}
}

// TestGatherScope reads real objects from a real API server: pods of the
// cluster split by role, pods of other clusters left out, the head's node
// read when it exists and nil when it does not.
func TestGatherScope(t *testing.T) {
	_, cfg := testbin.StartEnvtest(t, testbin.EnvtestOptions{})
	c, err := client.New(cfg, client.Options{Scheme: scheme.Scheme})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	mustCreate(ctx, t, c, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "node-a"}})

	tests := map[string]struct {
		headNode    string // "" leaves the head unbound
		noHead      bool
		annotations map[string]string
		// want
		nodeFound  bool
		others     []string
		workers    []string
		policyErr  string
		crashAfter int
	}{
		"head on an existing node, extra head, workers, foreign pods": {
			headNode: "node-a", nodeFound: true,
			others: []string{"rc-head-extra"}, workers: []string{"rc-w-1", "rc-w-2"},
		},
		"head bound to a node that does not exist": {headNode: "node-gone", nodeFound: false,
			others: []string{"rc-head-extra"}, workers: []string{"rc-w-1", "rc-w-2"}},
		"head not scheduled": {headNode: "", others: []string{"rc-head-extra"}, workers: []string{"rc-w-1", "rc-w-2"}},
		"no head pod":        {noHead: true, others: []string{"rc-head-extra"}, workers: []string{"rc-w-1", "rc-w-2"}},
		"annotations applied, a bad one reported": {headNode: "node-a", nodeFound: true,
			others: []string{"rc-head-extra"}, workers: []string{"rc-w-1", "rc-w-2"},
			annotations: map[string]string{AnnotationCrashLoopReplaceAfter: "90", AnnotationNodeLostGrace: "soon"},
			policyErr:   AnnotationNodeLostGrace, crashAfter: 90},
	}
	i := 0
	for name, tc := range tests {
		i++
		ns := fmt.Sprintf("gather-%d", i)
		t.Run(name, func(t *testing.T) {
			mustCreate(ctx, t, c, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})
			if !tc.noHead {
				mustCreate(ctx, t, c, rayPod(ns, "rc-head-0", "rc", NodeTypeHead, tc.headNode))
			}
			mustCreate(ctx, t, c, rayPod(ns, "rc-head-extra", "rc", NodeTypeHead, ""))
			mustCreate(ctx, t, c, rayPod(ns, "rc-w-1", "rc", NodeTypeWork, ""))
			mustCreate(ctx, t, c, rayPod(ns, "rc-w-2", "rc", NodeTypeWork, ""))
			mustCreate(ctx, t, c, rayPod(ns, "other-head-0", "other", NodeTypeHead, "node-a"))
			mustCreate(ctx, t, c, rayPod(ns, "rc-head-0x", "rcx", NodeTypeHead, ""))

			s, err := GatherScope(ctx, c, ClusterFacts{Name: "rc", Namespace: ns, Annotations: tc.annotations}, DefaultPolicy(), t0())
			if err != nil {
				t.Fatal(err)
			}
			checkScope(t, s, tc.noHead, tc.nodeFound, tc.others, tc.workers)
			if tc.policyErr == "" && s.PolicyErr != nil || tc.policyErr != "" && (s.PolicyErr == nil || !strings.Contains(s.PolicyErr.Error(), tc.policyErr)) {
				t.Errorf("PolicyErr = %v, want one naming %q", s.PolicyErr, tc.policyErr)
			}
			if s.Policy.CrashLoopReplaceAfter != secs(tc.crashAfter) || s.Policy.NodeLostGrace != DefaultNodeLostGrace {
				t.Errorf("policy %+v: want crashloop %ds and the default node-lost grace", s.Policy, tc.crashAfter)
			}
			in := s.HeadInput(true)
			if in.Pod != s.HeadPod || in.Node != s.HeadNode || !in.RedisUnavailable || in.Policy != s.Policy || len(in.OtherHeads) != len(s.OtherHeads) {
				t.Errorf("HeadInput does not carry the scope: %+v", in)
			}
		})
	}
}

func checkScope(t *testing.T, s *Scope, noHead, nodeFound bool, others, workers []string) {
	t.Helper()
	if !s.Now.Equal(t0()) || s.Cluster.Name != "rc" {
		t.Errorf("scope identity: %s at %s", s.Cluster, s.Now)
	}
	switch {
	case noHead && s.HeadPod != nil:
		t.Errorf("head pod %s, want none", s.HeadPod.Name)
	case !noHead && (s.HeadPod == nil || s.HeadPod.Name != "rc-head-0"):
		t.Errorf("head pod %v, want rc-head-0", s.HeadPod)
	}
	if (s.HeadNode != nil) != nodeFound || nodeFound && s.HeadNode.Name != "node-a" {
		t.Errorf("head node %v, found want %v", s.HeadNode, nodeFound)
	}
	if got := podNames(s.OtherHeads); strings.Join(got, ",") != strings.Join(others, ",") {
		t.Errorf("other heads %v, want %v", got, others)
	}
	if got := podNames(s.Workers); strings.Join(got, ",") != strings.Join(workers, ",") {
		t.Errorf("workers %v, want %v", got, workers)
	}
}

func rayPod(ns, name, cluster, nodeType, nodeName string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name,
			Labels: map[string]string{LabelCluster: cluster, LabelNodeType: nodeType}},
		Spec: corev1.PodSpec{NodeName: nodeName, Containers: []corev1.Container{{Name: "ray", Image: "ray"}}},
	}
}

func podNames(pods []corev1.Pod) []string {
	names := make([]string, 0, len(pods))
	for _, p := range pods {
		names = append(names, p.Name)
	}
	sort.Strings(names)
	return names
}

func mustCreate(ctx context.Context, t *testing.T, c client.Client, obj client.Object) {
	t.Helper()
	if err := c.Create(ctx, obj); err != nil {
		t.Fatalf("creating %s: %v", obj.GetName(), err)
	}
}
