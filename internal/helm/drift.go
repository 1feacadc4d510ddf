package helm

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"helm.sh/helm/v3/pkg/release"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Helm's ownership metadata: an object without it makes the next Helm
// upgrade fail with "invalid ownership metadata", so re-created objects
// carry it just as Helm's own apply would have set it.
const (
	helmManagedByLabel      = "app.kubernetes.io/managed-by"
	helmReleaseNameAnno     = "meta.helm.sh/release-name"
	helmReleaseNamespaceAnn = "meta.helm.sh/release-namespace"
)

// driftRepairer re-creates deleted and restores changed objects of a release
// from the informer cache, without Helm: reading costs no API request, and a
// write happens only where there is drift.
type driftRepairer struct {
	cache  client.Reader
	writer client.Client
	mapper meta.RESTMapper
}

// repair returns one line per repaired object ("created Service/x").
func (d *driftRepairer) repair(ctx context.Context, rel *release.Release) ([]string, error) {
	objs, err := decodeManifest(strings.NewReader(rel.Manifest))
	if err != nil {
		return nil, fmt.Errorf("release %s/%s: %w", rel.Namespace, rel.Name, err)
	}
	var repaired []string
	for _, want := range objs {
		what, err := d.repairOne(ctx, rel, want)
		if err != nil {
			return repaired, err
		}
		if what != "" {
			repaired = append(repaired, what)
		}
	}
	return repaired, nil
}

func (d *driftRepairer) repairOne(ctx context.Context, rel *release.Release, want *unstructured.Unstructured) (string, error) {
	namespaced, err := isNamespaced(d.mapper, want)
	if err != nil {
		return "", err
	}
	if namespaced && want.GetNamespace() == "" {
		want.SetNamespace(rel.Namespace)
	}
	unstructured.RemoveNestedField(want.Object, "status")
	id := want.GetKind() + "/" + want.GetName()
	live := &unstructured.Unstructured{}
	live.SetGroupVersionKind(want.GroupVersionKind())
	err = d.cache.Get(ctx, types.NamespacedName{Namespace: want.GetNamespace(), Name: want.GetName()}, live)
	switch {
	case apierrors.IsNotFound(err):
		setHelmOwnership(want, rel)
		if err := d.writer.Create(ctx, want); err != nil && !apierrors.IsAlreadyExists(err) {
			return "", fmt.Errorf("re-creating %s of release %s/%s: %w", id, rel.Namespace, rel.Name, err)
		}
		return "created " + id, nil
	case err != nil:
		return "", fmt.Errorf("reading %s of release %s/%s from the cache: %w", id, rel.Namespace, rel.Name, err)
	}
	if !live.GetDeletionTimestamp().IsZero() || inSync(want, live) {
		return "", nil
	}
	if err := d.restore(ctx, want); err != nil {
		return "", fmt.Errorf("restoring %s of release %s/%s: %w", id, rel.Namespace, rel.Name, err)
	}
	return "restored " + id, nil
}

// restore re-asserts every field the chart sets and leaves fields others
// added alone: a strategic merge patch for built-in kinds (lists merge by
// key, so injected sidecars survive), a JSON merge patch for custom kinds.
func (d *driftRepairer) restore(ctx context.Context, want *unstructured.Unstructured) error {
	body := want.DeepCopy()
	md := map[string]any{}
	for _, k := range []string{"labels", "annotations"} {
		if v, ok := body.Object["metadata"].(map[string]any)[k]; ok {
			md[k] = v
		}
	}
	body.Object["metadata"] = md
	raw, err := json.Marshal(body.Object)
	if err != nil {
		return err
	}
	pt := types.MergePatchType
	if clientgoscheme.Scheme.Recognizes(want.GroupVersionKind()) {
		pt = types.StrategicMergePatchType
	}
	return d.writer.Patch(ctx, want, client.RawPatch(pt, raw))
}

func setHelmOwnership(obj *unstructured.Unstructured, rel *release.Release) {
	l := obj.GetLabels()
	if l == nil {
		l = map[string]string{}
	}
	l[helmManagedByLabel] = "Helm"
	obj.SetLabels(l)
	a := obj.GetAnnotations()
	if a == nil {
		a = map[string]string{}
	}
	a[helmReleaseNameAnno] = rel.Name
	a[helmReleaseNamespaceAnn] = rel.Namespace
	obj.SetAnnotations(a)
}

// inSync reports whether every field the chart sets has the same value in the
// live object. Fields the chart does not set (defaults, other controllers'
// additions) are ignored; of metadata only labels and annotations count.
func inSync(want, live *unstructured.Unstructured) bool {
	for k, v := range want.Object {
		switch k {
		case "status", "apiVersion", "kind":
			continue
		case "metadata":
			wm, _ := v.(map[string]any)
			lm, _ := live.Object["metadata"].(map[string]any)
			if !subset(wm["labels"], lm["labels"]) || !subset(wm["annotations"], lm["annotations"]) {
				return false
			}
		default:
			if !subset(v, live.Object[k]) {
				return false
			}
		}
	}
	return true
}
