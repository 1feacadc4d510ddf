package e2e

import (
	"context"
	"fmt"
	"slices"
	"testing"

	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// checkSampleAutoscaler: a ready sample with enableInTreeAutoscaling runs
// its head with the autoscaler sidecar, as the ServiceAccount the chart
// rendered, and the API server grants that account exactly what the Ray
// autoscaler needs in the cluster's namespace and nothing it does not.
func (e *Env) checkSampleAutoscaler(t *testing.T, ns, name string) {
	t.Helper()
	rc := e.RayCluster(t, ns, name)
	if !rc.Spec.AutoscalingEnabled() {
		return
	}
	ctx := context.Background()
	account := rc.Spec.HeadGroupSpec.Template.Spec.ServiceAccountName
	if account == "" {
		account = name
	}
	var head corev1.Pod
	if err := e.Client.Get(ctx, types.NamespacedName{Namespace: ns, Name: name + "-head-0"}, &head); err != nil {
		t.Fatalf("%s/%s: head pod: %v", ns, name, err)
	}
	names := make([]string, 0, len(head.Spec.Containers))
	for _, c := range head.Spec.Containers {
		names = append(names, c.Name)
	}
	if !slices.Contains(names, "autoscaler") || head.Spec.ServiceAccountName != account {
		t.Errorf("%s/%s: head containers %v as ServiceAccount %q; want an autoscaler sidecar as %q", ns, name, names, head.Spec.ServiceAccountName, account)
	}
	for _, obj := range []client.Object{&corev1.ServiceAccount{}, &rbacv1.Role{}, &rbacv1.RoleBinding{}} {
		key := types.NamespacedName{Namespace: ns, Name: name}
		if _, ok := obj.(*corev1.ServiceAccount); ok {
			key.Name = account
		}
		if err := e.Client.Get(ctx, key, obj); err != nil {
			t.Errorf("%s/%s: autoscaler %T %s: %v", ns, name, obj, key.Name, err)
		}
	}
	user := fmt.Sprintf("system:serviceaccount:%s:%s", ns, account)
	tests := map[string]struct {
		attrs authorizationv1.ResourceAttributes
		want  bool
	}{
		"patch its RayCluster":         {authorizationv1.ResourceAttributes{Namespace: ns, Verb: "patch", Group: "ray.io", Resource: "rayclusters", Name: name}, true},
		"watch the pods":               {authorizationv1.ResourceAttributes{Namespace: ns, Verb: "watch", Resource: "pods"}, true},
		"resize a pod":                 {authorizationv1.ResourceAttributes{Namespace: ns, Verb: "patch", Resource: "pods", Subresource: "resize"}, true},
		"delete a pod":                 {authorizationv1.ResourceAttributes{Namespace: ns, Verb: "delete", Resource: "pods"}, false},
		"update the RayCluster":        {authorizationv1.ResourceAttributes{Namespace: ns, Verb: "update", Group: "ray.io", Resource: "rayclusters", Name: name}, false},
		"read Secrets":                 {authorizationv1.ResourceAttributes{Namespace: ns, Verb: "get", Resource: "secrets"}, false},
		"patch RayClusters elsewhere":  {authorizationv1.ResourceAttributes{Namespace: "default", Verb: "patch", Group: "ray.io", Resource: "rayclusters"}, false},
		"create pods (KubeRay's part)": {authorizationv1.ResourceAttributes{Namespace: ns, Verb: "create", Resource: "pods"}, false},
	}
	for what, tc := range tests {
		sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{User: user, ResourceAttributes: &tc.attrs}}
		if err := e.Client.Create(ctx, sar); err != nil {
			t.Fatalf("SubjectAccessReview for %s: %v", what, err)
		}
		if sar.Status.Allowed != tc.want {
			t.Errorf("%s/%s: the autoscaler's ServiceAccount may %s: %t, want %t (%s)", ns, name, what, sar.Status.Allowed, tc.want, sar.Status.Reason)
		}
	}
}
