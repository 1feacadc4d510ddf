/*
Copyright 2026 The ray-ha-operator Authors.
*/

package raycluster

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/scheme"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
	"github.com/ray-ha-operator/ray-ha-operator/internal/helm"
)

// kubeRayHead is a head pod as KubeRay v1.5 makes it: generated name,
// controlled by the RayCluster itself.
func kubeRayHead(name string, opts ...podOpt) *corev1.Pod {
	p := headPod(opts...)
	p.Name, p.UID = name, types.UID("uid-"+name)
	p.Labels["app.kubernetes.io/created-by"] = "kuberay-operator"
	return p
}

func TestForeignHeadHook(t *testing.T) {
	cases := map[string]struct {
		pods      []client.Object
		suspended bool
		// stopNaming is the foreign pods the stop message names; empty:
		// the apply goes on.
		stopNaming []string
	}{
		"no pods: the first install":              {},
		"our head alone":                          {pods: []client.Object{headPod()}},
		"KubeRay's head left, ours not yet there": {pods: []client.Object{kubeRayHead("rc-head-abcde")}, stopNaming: []string{"rc-head-abcde"}},
		"two left, named in order": {
			pods:       []client.Object{kubeRayHead("rc-head-zzzzz"), kubeRayHead("rc-head-aaaaa")},
			stopNaming: []string{"rc-head-aaaaa", "rc-head-zzzzz"},
		},
		"KubeRay's head terminating still runs Ray": {
			pods: []client.Object{kubeRayHead("rc-head-abcde", deleting(-5, 30), finalizers("test"))}, stopNaming: []string{"rc-head-abcde"},
		},
		"KubeRay's head failed: nothing runs":    {pods: []client.Object{kubeRayHead("rc-head-abcde", phase(corev1.PodFailed))}},
		"KubeRay's head succeeded: nothing runs": {pods: []client.Object{kubeRayHead("rc-head-abcde", phase(corev1.PodSucceeded))}},
		// Our StatefulSet keeps its pod whatever the chart does; the head
		// health hook refuses replacements beside another live head.
		"our head exists beside a foreign one": {pods: []client.Object{headPod(), kubeRayHead("rc-head-abcde")}},
		"suspended: no head to start":          {pods: []client.Object{kubeRayHead("rc-head-abcde")}, suspended: true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			cl := fake.NewClientBuilder().WithScheme(scheme.Scheme).WithObjects(tc.pods...).Build()
			obj := rayClusterObject(t, rayv1.RayClusterStatus{})
			if tc.suspended {
				if err := unstructured.SetNestedField(obj.Object, true, "spec", "suspend"); err != nil {
					t.Fatal(err)
				}
			}
			hook := &ForeignHeadHook{Reader: cl, Clock: clocktesting.NewFakePassiveClock(at(0)), Policy: DefaultPolicy()}
			res, err := hook.PreReconcile(context.Background(), &helm.Request{Object: obj})
			if err != nil {
				t.Fatal(err)
			}
			if len(tc.stopNaming) == 0 {
				if res.Stop || res.Wait {
					t.Fatalf("apply held back: %+v", res)
				}
				return
			}
			want := "head pod(s) " + strings.Join(tc.stopNaming, ", ") + " of this RayCluster exist that its head StatefulSet rc-head did not make"
			if !res.Stop || res.Reason != rayv1.ReasonForeignHeadPod || !strings.Contains(res.Message, want) {
				t.Fatalf("result %+v, want a stop with reason %s and a message containing %q", res, rayv1.ReasonForeignHeadPod, want)
			}
		})
	}
}
