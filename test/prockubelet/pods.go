package prockubelet

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/client-go/tools/cache"
	"k8s.io/utils/ptr"
)

// watchPods runs an informer on the pods bound to this node (the field
// selector the kubelet uses) and waits for its first list.
func (k *Kubelet) watchPods() error {
	lw := cache.NewListWatchFromClient(k.cs.CoreV1().RESTClient(), "pods", metav1.NamespaceAll,
		fields.OneTermEqualSelector("spec.nodeName", k.cfg.NodeName))
	inf := cache.NewSharedIndexInformer(lw, &corev1.Pod{}, 0, cache.Indexers{})
	_, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(o any) { k.onPod(o) },
		UpdateFunc: func(_, o any) { k.onPod(o) },
		DeleteFunc: k.onPodGone,
	})
	if err != nil {
		return fmt.Errorf("prockubelet %s: pod informer: %w", k.cfg.NodeName, err)
	}
	k.goRun(func() { inf.Run(k.ctx.Done()) })
	if !cache.WaitForCacheSync(k.ctx.Done(), inf.HasSynced) {
		return fmt.Errorf("prockubelet %s: pod informer never synced", k.cfg.NodeName)
	}
	return nil
}

// onPod starts a worker for a new pod, and tells a pod's worker when the pod
// is being deleted.
func (k *Kubelet) onPod(o any) {
	pod, ok := o.(*corev1.Pod)
	if !ok || k.killed.Load() {
		return
	}
	k.mu.Lock()
	w := k.workers[pod.UID]
	if w == nil && pod.DeletionTimestamp == nil && !terminal(pod) {
		w = newPodWorker(k, pod)
		k.workers[pod.UID] = w
		k.goRun(w.run)
	}
	k.mu.Unlock()
	switch {
	case w != nil && pod.DeletionTimestamp != nil:
		w.terminate(true)
	case w == nil && pod.DeletionTimestamp != nil:
		// Never started here (or already finished): only the API object
		// is left to remove.
		k.goRun(func() { k.logErr(pod, k.write(func(ctx context.Context) error { return k.deletePod(ctx, pod) })) })
	}
}

// onPodGone stops the worker of a pod removed from the API (force-deleted,
// say): its processes must not outlive it.
func (k *Kubelet) onPodGone(o any) {
	if t, ok := o.(cache.DeletedFinalStateUnknown); ok {
		o = t.Obj
	}
	pod, ok := o.(*corev1.Pod)
	if !ok {
		return
	}
	k.mu.Lock()
	w := k.workers[pod.UID]
	k.mu.Unlock()
	if w != nil {
		w.terminate(false)
	}
}

// forget drops a finished worker.
func (k *Kubelet) forget(w *podWorker) {
	k.mu.Lock()
	if k.workers[w.uid] == w {
		delete(k.workers, w.uid)
	}
	k.mu.Unlock()
}

// deletePod removes a pod whose containers are gone: grace period zero,
// bound to its UID so a newer pod of the same name is never hit.
func (k *Kubelet) deletePod(ctx context.Context, pod *corev1.Pod) error {
	err := k.cs.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, metav1.DeleteOptions{
		GracePeriodSeconds: ptr.To[int64](0),
		Preconditions:      &metav1.Preconditions{UID: &pod.UID},
	})
	if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("deleting pod %s/%s: %w", pod.Namespace, pod.Name, err)
	}
	k.cfg.Log("prockubelet: %s: pod %s/%s terminated and deleted", k.cfg.NodeName, pod.Namespace, pod.Name)
	return nil
}

func (k *Kubelet) logErr(pod *corev1.Pod, err error) {
	if err != nil && err != errKilled && k.ctx.Err() == nil {
		k.cfg.Log("prockubelet: %s: pod %s/%s: %v", k.cfg.NodeName, pod.Namespace, pod.Name, err)
	}
}

func terminal(p *corev1.Pod) bool {
	return p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed
}

// backoff is the wait before restart n (1-based): 1 s doubling up to 10 s.
func backoff(n int) time.Duration {
	d := time.Second << min(n-1, 4)
	return min(d, 10*time.Second)
}
