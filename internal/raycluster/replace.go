/*
Copyright 2026 The ray-ha-operator Authors.
*/

package raycluster

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// ReplaceOutcome says what ReplaceHead did.
type ReplaceOutcome string

// Outcomes of ReplaceHead.
const (
	// OutcomeDeleted: the delete was accepted. After a normal delete the pod
	// may still be Terminating; after a force-delete it is gone.
	OutcomeDeleted ReplaceOutcome = "Deleted"
	// OutcomeAlreadyGone: the pod no longer exists; nothing was done.
	OutcomeAlreadyGone ReplaceOutcome = "AlreadyGone"
	// OutcomePodChanged: the pod is not the one the decision was made on (a
	// new pod took the name, or the observed one was updated); nothing was
	// done, and the next reconcile decides again on fresh facts.
	OutcomePodChanged ReplaceOutcome = "PodChanged"
)

// ReplaceHead deletes head pods, nothing else.
// +kubebuilder:rbac:groups="",resources=pods,verbs=delete

// ReplaceHead carries out a decision's delete of the head pod in namespace.
// Kubernetes then brings the new head: the StatefulSet creates it once the
// old pod object is gone. Only the pod is deleted; workers are not touched.
//
// The delete is bound to the observed pod by UID and resourceVersion
// preconditions, so a decision made on a cached view never hits a newer pod.
// A force-delete (grace period 0) removes the pod object without waiting for
// a kubelet, which is why Decide allows it only for lost nodes and pods stuck
// Terminating.
func ReplaceHead(ctx context.Context, c client.Writer, namespace string, d Decision) (ReplaceOutcome, error) {
	if !isDelete(d.Action) || d.Pod.Name == "" {
		return "", fmt.Errorf("replacing head pod %s/%s: decision %s (%s) is not a delete", namespace, d.Pod.Name, d.Action, d.Verdict)
	}
	if d.Pod.UID == "" {
		return "", fmt.Errorf("replacing head pod %s/%s: refusing to delete without a UID precondition", namespace, d.Pod.Name)
	}
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: d.Pod.Name}}
	opts := []client.DeleteOption{deletePreconditions(d.Pod)}
	if d.Action == ActionForceDeletePod {
		opts = append(opts, client.GracePeriodSeconds(0))
	}
	log := ctrl.LoggerFrom(ctx).WithValues("pod", client.ObjectKeyFromObject(pod), "uid", d.Pod.UID,
		"action", d.Action, "reason", d.Reason)

	err := c.Delete(ctx, pod, opts...)
	switch {
	case apierrors.IsNotFound(err):
		log.V(1).Info("Head pod already gone")
		return OutcomeAlreadyGone, nil
	case apierrors.IsConflict(err):
		// The API server answers a failed precondition with 409 Conflict.
		log.Info("Head pod changed since it was observed; not deleting it")
		return OutcomePodChanged, nil
	case err != nil:
		return "", fmt.Errorf("deleting head pod %s/%s (%s): %w", namespace, d.Pod.Name, d.Action, err)
	}
	log.Info("Deleted head pod")
	return OutcomeDeleted, nil
}

func deletePreconditions(ref PodRef) client.Preconditions {
	uid := ref.UID
	p := client.Preconditions{UID: &uid}
	if ref.ResourceVersion != "" {
		rv := ref.ResourceVersion
		p.ResourceVersion = &rv
	}
	return p
}
