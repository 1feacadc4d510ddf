/*
Copyright 2026 The ray-ha-operator Authors.
*/

package operator

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr/testr"
	"github.com/prometheus/client_golang/prometheus"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"k8s.io/utils/clock"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/ray-ha-operator/ray-ha-operator/test/testbin"
)

func kubeRayLease(ns, holder string, renewed time.Time, seconds int32) coordinationv1.Lease {
	l := coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: KubeRayLeaseName},
		Spec:       coordinationv1.LeaseSpec{LeaseDurationSeconds: ptr.To(seconds)},
	}
	if holder != "" {
		l.Spec.HolderIdentity = ptr.To(holder)
	}
	if !renewed.IsZero() {
		l.Spec.RenewTime = &metav1.MicroTime{Time: renewed}
	}
	return l
}

func TestLiveKubeRayLeases(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	other := kubeRayLease("ray-system", "x", now, 15)
	other.Name = "ray-ha-operator-leader"
	tests := map[string]struct {
		lease coordinationv1.Lease
		live  bool
	}{
		"renewed just now":             {lease: kubeRayLease("ray-system", "kuberay-1", now, 15), live: true},
		"one second before expiry":     {lease: kubeRayLease("ray-system", "kuberay-1", now.Add(-14*time.Second), 15), live: true},
		"expired: operator crashed":    {lease: kubeRayLease("ray-system", "kuberay-1", now.Add(-15*time.Second), 15)},
		"released: operator stopped":   {lease: kubeRayLease("ray-system", "", now, 1)},
		"never renewed":                {lease: kubeRayLease("ray-system", "kuberay-1", time.Time{}, 15)},
		"another operator's Lease":     {lease: other},
		"renewed in the future (skew)": {lease: kubeRayLease("default", "kuberay-1", now.Add(5*time.Second), 15), live: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := LiveKubeRayLeases([]coordinationv1.Lease{tc.lease}, now)
			if live := len(got) == 1; live != tc.live || len(got) > 1 {
				t.Fatalf("LiveKubeRayLeases = %q, want live %v", got, tc.live)
			}
			if tc.live && !strings.Contains(got[0], tc.lease.Namespace+"/"+KubeRayLeaseName) {
				t.Errorf("description %q does not name the Lease", got[0])
			}
		})
	}
}

// TestStartRefusesBesideKubeRay runs New and Start on a real API server with
// a KubeRay-shaped Lease: live, Start refuses and names it; expired, the
// manager starts.
func TestStartRefusesBesideKubeRay(t *testing.T) {
	_, cfg := testbin.StartEnvtest(t, testbin.EnvtestOptions{CRDDirs: []string{"config/crd/bases"}})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := client.New(cfg, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	const ns = "kuberay-system"
	if err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
		t.Fatal(err)
	}
	lease := kubeRayLease(ns, "kuberay-operator-7d9f_0b1c", time.Now(), 15)
	if err := c.Create(ctx, &lease); err != nil {
		t.Fatal(err)
	}

	err = newTestOperator(t, cfg).Start(ctx)
	if err == nil || !strings.Contains(err.Error(), ns+"/"+KubeRayLeaseName) || !strings.Contains(err.Error(), "--"+AllowRunningKubeRayFlag) {
		t.Fatalf("Start beside a live KubeRay Lease: %v, want a refusal naming %s/%s and the override flag", err, ns, KubeRayLeaseName)
	}

	// KubeRay crashed a minute ago: its Lease is expired.
	lease.Spec.RenewTime = &metav1.MicroTime{Time: time.Now().Add(-time.Minute)}
	if err := c.Update(ctx, &lease); err != nil {
		t.Fatal(err)
	}
	op := newTestOperator(t, cfg)
	mctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- op.Start(mctx) }()
	if !op.Manager.GetCache().WaitForCacheSync(mctx) {
		t.Fatalf("manager did not start beside an expired KubeRay Lease: %v", <-done)
	}
	stop()
	if err := <-done; err != nil {
		t.Errorf("manager: %v", err)
	}

	t.Run("namespace-scoped install", func(t *testing.T) {
		testNamespaceScopedGuard(ctx, t, cfg, c)
	})
}

// testNamespaceScopedGuard runs the check as a user who may read Leases in
// one namespace only, as an operator installed for its own namespace: it
// sees a live KubeRay Lease there and skips the namespace it may not read.
func testNamespaceScopedGuard(ctx context.Context, t *testing.T, cfg *rest.Config, admin client.Client) {
	const readable, unreadable, user = "ray", "elsewhere", "namespaced-operator"
	for _, ns := range []string{readable, unreadable} {
		if err := admin.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
			t.Fatal(err)
		}
	}
	rule := rbacv1.PolicyRule{APIGroups: []string{"coordination.k8s.io"}, Resources: []string{"leases"}, Verbs: []string{"get"}}
	role := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: readable, Name: "leases"}, Rules: []rbacv1.PolicyRule{rule}}
	binding := &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Namespace: readable, Name: "leases"},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.UserKind, Name: user}},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: role.Name},
	}
	for _, o := range []client.Object{role, binding} {
		if err := admin.Create(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	scoped := rest.CopyConfig(cfg)
	scoped.Impersonate = rest.ImpersonationConfig{UserName: user}
	reader, err := client.New(scoped, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	guard := KubeRayGuard{Reader: reader, Namespaces: []string{readable, unreadable}, Clock: clock.RealClock{}, Log: testr.New(t)}

	hidden := kubeRayLease(unreadable, "kuberay-b", time.Now(), 3600)
	if err := admin.Create(ctx, &hidden); err != nil {
		t.Fatal(err)
	}
	if err := guard.Check(ctx); err != nil {
		t.Fatalf("Check with a live Lease only where it may not read: %v, want nil", err)
	}
	visible := kubeRayLease(readable, "kuberay-a", time.Now(), 3600)
	if err := admin.Create(ctx, &visible); err != nil {
		t.Fatal(err)
	}
	err = guard.Check(ctx)
	if err == nil || !strings.Contains(err.Error(), readable+"/"+KubeRayLeaseName) || strings.Contains(err.Error(), unreadable+"/") {
		t.Fatalf("Check with a live Lease in its readable namespace: %v, want a refusal naming %s/%s only", err, readable, KubeRayLeaseName)
	}
}

func newTestOperator(t *testing.T, cfg *rest.Config) *Operator {
	t.Helper()
	op, err := New(cfg, Options{
		WatchesFile:            "../../watches.yaml",
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		Registerer:             prometheus.NewRegistry(),
		Logger:                 testr.New(t),
		// Two operators in one test process: controller names repeat.
		Manager: func(o *ctrl.Options) { o.Controller.SkipNameValidation = ptr.To(true) },
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return op
}
