package simcluster_test

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ray-ha-operator/ray-ha-operator/test/harness"
	"github.com/ray-ha-operator/ray-ha-operator/test/simcluster"
)

// testDisregardStatus checks that kwok plays an ordinary pod to Running but
// leaves a pod annotated DisregardStatusAnnotation alone, so the status the
// test writes (here: running but not Ready) stays as written.
func testDisregardStatus(t *testing.T, c *simcluster.Cluster) {
	ctx := context.Background()
	cl := c.Client()
	ns := createNamespace(t, cl, "disregard")
	plain := bare(ns, "plain", nil)
	manual := bare(ns, "manual", map[string]string{simcluster.DisregardStatusAnnotation: "true"})
	for _, p := range []*corev1.Pod{plain, manual} {
		if err := cl.Create(ctx, p); err != nil {
			t.Fatalf("creating pod %s: %v", p.Name, err)
		}
	}
	waitPodReady(t, cl, client.ObjectKeyFromObject(plain), "")
	harness.Eventually(t, 10*time.Second, "manual pod scheduled", func(ctx context.Context) (bool, string, error) {
		err := cl.Get(ctx, client.ObjectKeyFromObject(manual), manual)
		return err == nil && manual.Spec.NodeName != "", "", err
	})
	// kwok plays a bound pod to Running within milliseconds (the plain pod
	// above did); a second is plenty to see that it leaves this one alone.
	time.Sleep(time.Second)
	if err := cl.Get(ctx, client.ObjectKeyFromObject(manual), manual); err != nil {
		t.Fatal(err)
	}
	if manual.Status.Phase != corev1.PodPending || len(manual.Status.ContainerStatuses) != 0 {
		t.Fatalf("kwok played the annotated pod: %+v", manual.Status)
	}

	now := metav1.Now()
	manual.Status.Phase = corev1.PodRunning
	manual.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionFalse, LastTransitionTime: now, Reason: "TestSaysSo"}}
	if err := cl.Status().Update(ctx, manual); err != nil {
		t.Fatalf("writing pod status: %v", err)
	}
	time.Sleep(500 * time.Millisecond)
	if err := cl.Get(ctx, client.ObjectKeyFromObject(manual), manual); err != nil {
		t.Fatal(err)
	}
	if podRunningReady(manual) || manual.Status.Phase != corev1.PodRunning {
		t.Fatalf("status written by the test was changed: %+v", manual.Status)
	}
	if err := cl.Delete(ctx, manual, client.GracePeriodSeconds(0)); err != nil {
		t.Fatalf("deleting annotated pod: %v", err)
	}
}

func bare(ns, name string, annotations map[string]string) *corev1.Pod {
	tmpl := podTemplate(name, nil)
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: tmpl.Labels, Annotations: annotations},
		Spec:       tmpl.Spec,
	}
}
