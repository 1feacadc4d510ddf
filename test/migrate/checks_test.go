/*
Copyright 2026 The ray-ha-operator Authors.
*/

package migrate

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
	"github.com/ray-ha-operator/ray-ha-operator/internal/raycluster"
	"github.com/ray-ha-operator/ray-ha-operator/test/harness"
)

// steadyFor is how long a migrated cluster is watched once it is ready:
// the operator's first reconciles after the takeover all fall in it.
const steadyFor = 10 * time.Second

// expectMigrated checks a cluster that went through every step: our head
// StatefulSet's pod runs on the recorded storage namespace, the object is
// the same, one head at a time throughout, and Redis is untouched.
func expectMigrated(t *testing.T, cl client.Client, r *goredis.Client, m *migration, from time.Time, what string) {
	headName := raycluster.HeadPodName(m.name)
	rc := &rayv1.RayCluster{}
	var head corev1.Pod
	harness.Eventually(t, 120*time.Second, "our head of "+m.key().String()+" ready", func(ctx context.Context) (bool, string, error) {
		if err := cl.Get(ctx, m.key(), rc); err != nil {
			return false, "", err
		}
		err := cl.Get(ctx, client.ObjectKey{Namespace: m.ns, Name: headName}, &head)
		ours := rc.Status.ObservedGeneration == rc.Generation && rc.Status.Head.PodName == headName
		done := err == nil && harness.PodReady(&head) && ours && rc.Status.State == rayv1.ClusterStateReady
		return done, fmt.Sprintf("head pod: %v; state %q, observed generation %d of %d, head %q; %s",
			err, rc.Status.State, rc.Status.ObservedGeneration, rc.Generation, rc.Status.Head.PodName, harness.ConditionSummary(rc)), nil
	})
	t.Logf("our head %s ready %s after %s", headName, since(from), what)

	if got := head.Annotations[rayv1.AnnotationExternalStorageNamespace]; got != m.storage {
		t.Errorf("head %s stores under %q, want the recorded %q", headName, got, m.storage)
	}
	if owner := metaControllerKind(&head); owner != "StatefulSet" {
		t.Errorf("head %s is controlled by a %q, want our head StatefulSet", headName, owner)
	}
	if rc.UID != m.rc.UID {
		t.Errorf("RayCluster UID %s, want the one KubeRay ran, %s", rc.UID, m.rc.UID)
	}
	if n := countOf(rc.Finalizers, raycluster.RedisCleanupFinalizer); n != 1 {
		t.Errorf("finalizer %s present %d times (%v), want once", raycluster.RedisCleanupFinalizer, n, rc.Finalizers)
	}

	expectNeverTwoHeads(t, m)
	// From here the cluster has one head, ours, at every watch event.
	m.heads.Reset()
	time.Sleep(steadyFor)
	fewest, most, overlaps := m.heads.Range()
	if fewest != 1 || most != 1 || !slices.Equal(m.heads.Live(), []string{headName}) {
		t.Errorf("head pods after the takeover: between %d and %d at once, now %v; want exactly %s throughout (overlaps: %v)",
			fewest, most, m.heads.Live(), headName, overlaps)
	}
	expectKeysKept(t, r, m)
}

// expectNeverTwoHeads checks the whole run: KubeRay's head, then ours,
// never both.
func expectNeverTwoHeads(t *testing.T, m *migration) {
	t.Helper()
	if _, _, overlaps := m.heads.Range(); len(overlaps) > 0 {
		t.Errorf("two head pods of %s alive at once: %v", m.key(), overlaps)
	}
}

// expectHeldBack checks a cluster taken over with KubeRay's head pod left
// (step 4 skipped, or done without the pods): the operator starts no head
// of its own, says which pod is in the way in the Irreconcilable condition
// and one Warning event, and leaves Redis alone.
func expectHeldBack(t *testing.T, cl client.Client, r *goredis.Client, m *migration) {
	t.Helper()
	ctx := context.Background()
	want := "head pod(s) " + m.kubeRayHead.Name + " of this RayCluster exist that its head StatefulSet " +
		raycluster.HeadStatefulSetName(m.name) + " did not make"
	rc := &rayv1.RayCluster{}
	harness.Eventually(t, 60*time.Second, m.key().String()+" held back", func(ctx context.Context) (bool, string, error) {
		if err := cl.Get(ctx, m.key(), rc); err != nil {
			return false, "", err
		}
		c := harness.FindCondition(rc, rayv1.Irreconcilable)
		return c != nil && c.Status == metav1.ConditionTrue && strings.Contains(c.Message, want), harness.ConditionSummary(rc), nil
	})
	time.Sleep(steadyFor) // long enough for a head of ours to show, were one started
	if err := cl.Get(ctx, m.key(), rc); err != nil {
		t.Fatal(err)
	}
	if got := m.heads.Live(); !slices.Equal(got, []string{m.kubeRayHead.Name}) {
		t.Errorf("head pods %v, want KubeRay's %s alone", got, m.kubeRayHead.Name)
	}
	expectNeverTwoHeads(t, m)
	if n := countEvents(t, cl, m, rayv1.ReasonForeignHeadPod); n != 1 {
		t.Errorf("%d %s events about %s, want 1", n, rayv1.ReasonForeignHeadPod, m.key())
	}
	expectKeysKept(t, r, m)
	t.Logf("held back as it should: %s", harness.FindCondition(rc, rayv1.Irreconcilable).Message)
}

// countEvents counts the events about the RayCluster with reason.
func countEvents(t *testing.T, cl client.Client, m *migration, reason string) int {
	t.Helper()
	var list eventsv1.EventList
	if err := cl.List(context.Background(), &list, client.InNamespace(m.ns)); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range list.Items {
		if e.Regarding.Kind == "RayCluster" && e.Regarding.Name == m.name && e.Reason == reason {
			n++
		}
	}
	return n
}

func metaControllerKind(p *corev1.Pod) string {
	for _, o := range p.OwnerReferences {
		if o.Controller != nil && *o.Controller {
			return o.Kind
		}
	}
	return ""
}

func countOf(list []string, s string) int {
	n := 0
	for _, v := range list {
		if v == s {
			n++
		}
	}
	return n
}
