/*
Copyright 2026 The ray-ha-operator Authors.
*/

package raycluster

import (
	"context"
	"fmt"
	"sync/atomic"

	corev1 "k8s.io/api/core/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/clock"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrl "sigs.k8s.io/controller-runtime/pkg/log"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
	"github.com/ray-ha-operator/ray-ha-operator/internal/helm"
)

// The spare's PriorityClass is cluster-scoped and shared by every cluster,
// so no Helm release can own it; the operator makes it on first use.
// +kubebuilder:rbac:groups=scheduling.k8s.io,resources=priorityclasses,verbs=get;create

// HeadSpareHook is the pre-reconcile hook of the head's warm spare: for a
// cluster that opted in, it makes sure the spare's PriorityClass exists
// before the chart renders the spare, and reports the spare in the HeadSpare
// condition. It never stops the apply: the head never waits on its spare.
type HeadSpareHook struct {
	// Reader is the manager's cache (spare pods). APIReader reads the
	// PriorityClass (once; no informer for it). Writer creates it.
	Reader    client.Reader
	APIReader client.Reader
	Writer    client.Writer
	Clock     clock.PassiveClock
	// Policy is for the shared Observation (head pod).
	Policy Policy

	// classReady is set once the PriorityClass was seen or made.
	classReady atomic.Bool
}

// PreReconcile ensures the PriorityClass of an opted-in cluster and sets
// HeadSpare.
func (k *HeadSpareHook) PreReconcile(ctx context.Context, req *helm.Request) (helm.Result, error) {
	rc, err := FromObject(req.Object)
	if err != nil {
		return helm.Result{}, err
	}
	in := spareInput{
		Enabled:   rc.Annotations[AnnotationHeadSpare] == HeadSpareEnabled,
		Suspended: ptr.Deref(rc.Spec.Suspend, false),
	}
	st := rc.Status.DeepCopy()
	if !in.Enabled {
		if removeCondition(st, rayv1.HeadSpare) {
			return helm.Result{}, WriteStatus(req.Object, st)
		}
		return helm.Result{}, nil
	}
	if err := k.gather(ctx, req, rc, &in); err != nil {
		return helm.Result{}, err
	}
	rep := assessSpare(in)
	setCondition(st, rayv1.HeadSpare, rep.Status, rep.Reason, rep.Message, rc.Generation, metav1.NewTime(k.Clock.Now()))
	return helm.Result{RequeueAfter: rep.Recheck}, WriteStatus(req.Object, st)
}

// gather reads what the condition is decided from. A PriorityClass that
// cannot be made is reported, not returned: the head must not wait on it.
func (k *HeadSpareHook) gather(ctx context.Context, req *helm.Request, rc *rayv1.RayCluster, in *spareInput) error {
	if !in.Suspended {
		in.PriorityClassErr = k.ensurePriorityClass(ctx)
		if in.PriorityClassErr != nil {
			ctrl.FromContext(ctx).Error(in.PriorityClassErr, "The head spare's PriorityClass is missing", "priorityClass", HeadSparePriorityClass)
		}
	}
	obs, err := ObservationOf(ctx, req, &Observer{Reader: k.Reader, Clock: k.Clock, Policy: k.Policy})
	if err != nil {
		return fmt.Errorf("head spare of RayCluster %s/%s: %w", rc.Namespace, rc.Name, err)
	}
	in.Head = obs.HeadPod
	var pods corev1.PodList
	if err := k.Reader.List(ctx, &pods, client.InNamespace(rc.Namespace), client.MatchingLabels{LabelHeadSpareOf: rc.Name}); err != nil {
		return fmt.Errorf("listing the head spare pods of RayCluster %s/%s: %w", rc.Namespace, rc.Name, err)
	}
	in.Spares = pods.Items
	return nil
}

// ensurePriorityClass makes the spare's PriorityClass when it is missing.
// An existing one is left as it is: an administrator may have tuned its
// value.
func (k *HeadSpareHook) ensurePriorityClass(ctx context.Context) error {
	if k.classReady.Load() {
		return nil
	}
	var pc schedulingv1.PriorityClass
	err := k.APIReader.Get(ctx, types.NamespacedName{Name: HeadSparePriorityClass}, &pc)
	switch {
	case err == nil:
		k.classReady.Store(true)
		return nil
	case !apierrors.IsNotFound(err):
		return fmt.Errorf("reading PriorityClass %s: %w", HeadSparePriorityClass, err)
	}
	err = k.Writer.Create(ctx, HeadSparePriorityClassObject())
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("creating PriorityClass %s: %w", HeadSparePriorityClass, err)
	}
	ctrl.FromContext(ctx).Info("Created the head spare's PriorityClass", "priorityClass", HeadSparePriorityClass, "value", HeadSparePriority)
	k.classReady.Store(true)
	return nil
}

// HeadSparePriorityClassObject is the PriorityClass every spare runs at:
// below any pod without a class, never preempting.
func HeadSparePriorityClassObject() *schedulingv1.PriorityClass {
	return &schedulingv1.PriorityClass{
		ObjectMeta: metav1.ObjectMeta{Name: HeadSparePriorityClass,
			Labels: map[string]string{"app.kubernetes.io/managed-by": "ray-ha-operator"}},
		Value:            HeadSparePriority,
		PreemptionPolicy: ptr.To(corev1.PreemptNever),
		Description: "Warm spares of Ray heads (ray-ha-operator): placeholders that hold a head's capacity and image " +
			"on another node; any pod of a higher priority preempts them.",
	}
}
