package helm

import (
	"fmt"
	"strings"
	"sync"

	"helm.sh/helm/v3/pkg/release"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/source"
)

// dependentWatcher starts, once per kind, a watch on the kinds a release
// renders, so that deleting or changing one of its objects reconciles the
// owning resource within moments instead of at the next period.
type dependentWatcher struct {
	ctrl   controller.Controller
	cache  cache.Cache
	scheme *runtime.Scheme
	mapper meta.RESTMapper
	owner  schema.GroupVersionKind

	mu      sync.Mutex
	watched map[schema.GroupVersionKind]bool
	// seen is the last revision handled per release: a steady state does
	// not parse the same manifest again.
	seen map[types.NamespacedName]int
}

// watchRelease adds watches for kinds of rel not watched yet. Only objects
// with our controller owner reference can be mapped back; others (cluster
// scoped, other namespaces) are left to the periodic check.
func (w *dependentWatcher) watchRelease(rel *release.Release) error {
	key := types.NamespacedName{Namespace: rel.Namespace, Name: rel.Name}
	w.mu.Lock()
	done := w.seen[key] == rel.Version
	w.mu.Unlock()
	if done {
		return nil
	}
	objs, err := decodeManifest(strings.NewReader(rel.Manifest))
	if err != nil {
		return err
	}
	for _, obj := range objs {
		if !ownedBy(obj, w.owner) {
			continue
		}
		if err := w.watch(obj.GroupVersionKind()); err != nil {
			return err
		}
	}
	w.mu.Lock()
	w.seen[key] = rel.Version
	w.mu.Unlock()
	return nil
}

// forget drops a deleted resource's release from seen.
func (w *dependentWatcher) forget(key types.NamespacedName) {
	w.mu.Lock()
	delete(w.seen, key)
	w.mu.Unlock()
}

func (w *dependentWatcher) watch(gvk schema.GroupVersionKind) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.watched[gvk] {
		return nil
	}
	obj := &unstructured.Unstructured{}
	obj.SetGroupVersionKind(gvk)
	ownerType := &unstructured.Unstructured{}
	ownerType.SetGroupVersionKind(w.owner)
	src := source.Kind(w.cache, obj,
		handler.TypedEnqueueRequestForOwner[*unstructured.Unstructured](w.scheme, w.mapper, ownerType, handler.OnlyControllerOwner()),
		dependentPredicate())
	if err := w.ctrl.Watch(src); err != nil {
		return fmt.Errorf("watching dependent kind %s: %w", gvk, err)
	}
	w.watched[gvk] = true
	return nil
}

func ownedBy(obj *unstructured.Unstructured, owner schema.GroupVersionKind) bool {
	for _, r := range obj.GetOwnerReferences() {
		if r.Controller != nil && *r.Controller && r.Kind == owner.Kind && r.APIVersion == owner.GroupVersion().String() {
			return true
		}
	}
	return false
}

// dependentPredicate passes deletions and real changes of rendered objects.
// Creations are ours; status-only updates (a Deployment's replica counts,
// a Pod's readiness) and resync no-ops would only burn reconciles.
func dependentPredicate() predicate.TypedPredicate[*unstructured.Unstructured] {
	return predicate.TypedFuncs[*unstructured.Unstructured]{
		CreateFunc:  func(event.TypedCreateEvent[*unstructured.Unstructured]) bool { return false },
		GenericFunc: func(event.TypedGenericEvent[*unstructured.Unstructured]) bool { return false },
		DeleteFunc:  func(event.TypedDeleteEvent[*unstructured.Unstructured]) bool { return true },
		UpdateFunc: func(e event.TypedUpdateEvent[*unstructured.Unstructured]) bool {
			return !onlyStatusChanged(e.ObjectOld, e.ObjectNew)
		},
	}
}

// onlyStatusChanged compares two versions of an object without status,
// resourceVersion and managedFields.
func onlyStatusChanged(oldObj, newObj *unstructured.Unstructured) bool {
	if oldObj == nil || newObj == nil {
		return false
	}
	return equality.Semantic.DeepEqual(stripVolatile(oldObj), stripVolatile(newObj))
}

func stripVolatile(obj *unstructured.Unstructured) map[string]any {
	c := obj.DeepCopy().Object
	delete(c, "status")
	if md, ok := c["metadata"].(map[string]any); ok {
		delete(md, "resourceVersion")
		delete(md, "managedFields")
	}
	return c
}
