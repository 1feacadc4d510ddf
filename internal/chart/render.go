package chart

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"helm.sh/helm/v3/pkg/action"
	helmchart "helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/releaseutil"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// Render renders the chart as `helm template` would: Helm's install action
// in client-only dry-run mode, so values go through the chart's schema and
// the same code path as a real install. It returns the rendered objects in
// manifest order. Schema errors name the offending field.
func Render(ch *helmchart.Chart, releaseName, namespace string, values map[string]any) ([]*unstructured.Unstructured, error) {
	rel, err := dryRunInstall(ch, releaseName, namespace, values)
	if err != nil {
		return nil, err
	}
	return parseManifest(rel)
}

// RenderNotes returns the chart's NOTES.txt for the given values.
func RenderNotes(ch *helmchart.Chart, releaseName, namespace string, values map[string]any) (string, error) {
	rel, err := dryRunInstall(ch, releaseName, namespace, values)
	if err != nil {
		return "", err
	}
	return rel.notes, nil
}

// renderKubeVersion is the Kubernetes version a client-only render assumes:
// the one this module's Kubernetes libraries are built for. Helm's own
// client-only default is far older and fails the chart's kubeVersion.
const renderKubeVersion = "v1.37.2"

type rendered struct {
	manifest string
	notes    string
}

func dryRunInstall(ch *helmchart.Chart, releaseName, namespace string, values map[string]any) (rendered, error) {
	install := action.NewInstall(&action.Configuration{Log: func(string, ...any) {}})
	install.DryRun = true
	install.DryRunOption = "client"
	install.ClientOnly = true
	install.Replace = true
	install.IncludeCRDs = false
	install.ReleaseName = releaseName
	install.Namespace = namespace
	kubeVersion, err := chartutil.ParseKubeVersion(renderKubeVersion)
	if err != nil {
		return rendered{}, fmt.Errorf("parsing kube version %s: %w", renderKubeVersion, err)
	}
	install.KubeVersion = kubeVersion
	rel, err := install.RunWithContext(context.Background(), ch, values)
	if err != nil {
		return rendered{}, fmt.Errorf("rendering chart %s as release %s/%s: %w", ch.Name(), namespace, releaseName, err)
	}
	out := rendered{manifest: rel.Manifest}
	if rel.Info != nil {
		out.notes = rel.Info.Notes
	}
	return out, nil
}

func parseManifest(r rendered) ([]*unstructured.Unstructured, error) {
	docs := releaseutil.SplitManifests(r.manifest)
	keys := make([]string, 0, len(docs))
	for k := range docs {
		keys = append(keys, k)
	}
	// SplitManifests keys are "manifest-<n>"; order them by n to keep the
	// manifest's order.
	sort.Sort(releaseutil.BySplitManifestsOrder(keys))
	objs := make([]*unstructured.Unstructured, 0, len(keys))
	for _, k := range keys {
		doc := docs[k]
		if strings.TrimSpace(doc) == "" {
			continue
		}
		obj := &unstructured.Unstructured{}
		if err := yaml.Unmarshal([]byte(doc), &obj.Object); err != nil {
			return nil, fmt.Errorf("parsing rendered %s: %w\n%s", k, err, doc)
		}
		if len(obj.Object) == 0 {
			continue
		}
		objs = append(objs, obj)
	}
	return objs, nil
}
