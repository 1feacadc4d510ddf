/*
Copyright 2026 The ray-ha-operator Authors.
*/

package raycluster

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/events"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
	"github.com/ray-ha-operator/ray-ha-operator/internal/helm"
)

func clusterObject(t *testing.T, rc *rayv1.RayCluster) *unstructured.Unstructured {
	t.Helper()
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(rc)
	if err != nil {
		t.Fatal(err)
	}
	return &unstructured.Unstructured{Object: m}
}

func headPodOf(rc *rayv1.RayCluster) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: rc.Namespace, Name: HeadPodName(rc.Name),
		Labels: map[string]string{LabelCluster: rc.Name, LabelNodeType: NodeTypeHead}}}
}

// TestRedisCleanupDecisions covers the hook's decisions without a Redis
// that answers: the pod list comes from a fake client (pure logic), and
// "Redis down" is a closed loopback port, refused at once.
func TestRedisCleanupDecisions(t *testing.T) {
	deleted := t0()
	cases := map[string]struct {
		annotations map[string]string
		headPod     bool
		now         time.Time
		done        bool
		wait        time.Duration
		events      []string // prefixes, in order
	}{
		"head pod still there: poll": {
			headPod: true, now: deleted.Add(10 * time.Second), wait: 2 * time.Second,
		},
		"head pod there close to the deadline: wake up at it": {
			headPod: true, now: deleted.Add(299 * time.Second), wait: time.Second + 10*time.Millisecond,
		},
		"timeout passed with the head stuck: let go, naming the namespace": {
			headPod: true, now: deleted.Add(300 * time.Second), done: true,
			events: []string{`Warning RedisCleanupTimedOut Gave up deleting the GCS data after 5m0s; storage namespace "3f1c2a9e-uid"`},
		},
		"annotation shortens the bound": {
			annotations: map[string]string{rayv1.AnnotationGCSFTDeletionTimeout: "5"},
			headPod:     true, now: deleted.Add(5 * time.Second), done: true,
			events: []string{"Warning RedisCleanupTimedOut Gave up deleting the GCS data after 5s"},
		},
		"bad annotation: default, with a warning naming it": {
			annotations: map[string]string{rayv1.AnnotationGCSFTDeletionTimeout: "soon"},
			headPod:     true, now: deleted.Add(5 * time.Second), wait: 2 * time.Second,
			events: []string{`Warning InvalidDeletionTimeout annotation ray.io/gcs-ft-deletion-timeout: "soon"`},
		},
		"Redis down: retry, warn once": {
			now: deleted.Add(10 * time.Second), wait: 2 * time.Second,
			events: []string{"Warning RedisCleanupFailed probing Redis before the clean-up: Unreachable"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			rc := ftCluster(func(rc *rayv1.RayCluster) {
				rc.Spec.GcsFaultToleranceOptions.RedisAddress = "127.0.0.1:1"
				rc.Annotations = tc.annotations
				rc.DeletionTimestamp = &metav1.Time{Time: deleted}
				rc.Finalizers = []string{RedisCleanupFinalizer}
			})
			b := fake.NewClientBuilder().WithScheme(clientgoscheme.Scheme)
			if tc.headPod {
				b = b.WithObjects(headPodOf(rc))
			}
			rec := events.NewFakeRecorder(10)
			h := NewRedisCleanup(b.Build(), nil, rec, clocktesting.NewFakeClock(tc.now), CleanupOptions{Enabled: true})
			metrics, err := NewRedisMetrics(prometheus.NewRegistry())
			if err != nil {
				t.Fatal(err)
			}
			h.Metrics = metrics
			req := &helm.Request{Object: clusterObject(t, rc)}

			for round := 0; round < 2; round++ {
				done, wait, err := h.AfterUninstall(context.Background(), req)
				if err != nil || done != tc.done || wait != tc.wait {
					t.Fatalf("round %d: done %v wait %s err %v; want done %v wait %s", round, done, wait, err, tc.done, tc.wait)
				}
			}
			// Each round past the deadline gives up (the first would remove
			// the finalizer), and each give-up is counted.
			wantTimeouts := 0.0
			if tc.done {
				wantTimeouts = 2
			}
			if got := testutil.ToFloat64(metrics.timeouts); got != wantTimeouts {
				t.Errorf("%s = %v, want %v", MetricRedisCleanupTimeouts, got, wantTimeouts)
			}
			// Two rounds, but each warning only once (a time-out is final).
			var got []string
			for len(rec.Events) > 0 {
				got = append(got, <-rec.Events)
			}
			wantN := len(tc.events)
			if tc.done {
				wantN = 2 * len(tc.events)
			}
			if len(got) != wantN {
				t.Fatalf("events %q, want %d like %q", got, wantN, tc.events)
			}
			for i, want := range tc.events {
				if !strings.HasPrefix(got[i], want) {
					t.Errorf("event %q, want prefix %q", got[i], want)
				}
			}
		})
	}
}

func TestRedisCleanupApplies(t *testing.T) {
	cases := map[string]struct {
		enabled bool
		rc      *rayv1.RayCluster
		want    bool
	}{
		"FT options, enabled": {enabled: true, rc: ftCluster(), want: true},
		"legacy FT, enabled":  {enabled: true, rc: ftCluster(legacyFT(literalEnv(rayv1.EnvRedisAddress, "r:1"))), want: true},
		"FT off":              {enabled: true, rc: ftCluster(func(rc *rayv1.RayCluster) { rc.Spec.GcsFaultToleranceOptions = nil })},
		"switched off":        {enabled: false, rc: ftCluster()},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			h := NewRedisCleanup(nil, nil, nil, clocktesting.NewFakeClock(t0()), CleanupOptions{Enabled: tc.enabled})
			if got := h.Applies(clusterObject(t, tc.rc)); got != tc.want {
				t.Errorf("Applies = %v, want %v", got, tc.want)
			}
			if h.Finalizer() != "ray.io/gcs-ft-redis-cleanup-finalizer" {
				t.Errorf("finalizer %q", h.Finalizer())
			}
		})
	}
}
