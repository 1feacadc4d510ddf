package helm

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"time"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/strvals"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/yaml"
)

// Watch is one entry of watches.yaml: a custom resource kind and the chart
// that renders it. The file format is the Operator Framework's.
type Watch struct {
	GVK                     schema.GroupVersionKind
	ChartPath               string
	Chart                   *chart.Chart
	ChartDigest             string
	OverrideValues          map[string]string
	ReconcilePeriod         time.Duration
	MaxConcurrentReconciles int
	Selector                metav1.LabelSelector
	WatchDependentResources bool
}

// watchFile mirrors one YAML entry; pointers tell "unset" from zero.
type watchFile struct {
	Group                   string               `json:"group"`
	Version                 string               `json:"version"`
	Kind                    string               `json:"kind"`
	Chart                   string               `json:"chart"`
	OverrideValues          map[string]string    `json:"overrideValues,omitempty"`
	ReconcilePeriod         *metav1.Duration     `json:"reconcilePeriod,omitempty"`
	MaxConcurrentReconciles *int                 `json:"maxConcurrentReconciles,omitempty"`
	Selector                metav1.LabelSelector `json:"selector,omitempty"`
	WatchDependentResources *bool                `json:"watchDependentResources,omitempty"`
}

// WatchDefaults fill what a watches.yaml entry leaves unset.
type WatchDefaults struct {
	ReconcilePeriod         time.Duration
	MaxConcurrentReconciles int
}

// LoadWatches reads a watches.yaml file, loads each chart (relative paths are
// resolved against the file's folder) and expands $VAR / ${VAR} in override
// values with getenv, which the caller supplies so that only main reads the
// environment. An unset variable expands to "" and still overrides, as in the
// Operator Framework.
func LoadWatches(path string, getenv func(string) string, defaults WatchDefaults) ([]Watch, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading watches file %s: %w", path, err)
	}
	var entries []watchFile
	if err := yaml.UnmarshalStrict(b, &entries); err != nil {
		return nil, fmt.Errorf("parsing watches file %s: %w", path, err)
	}
	base := filepath.Dir(path)
	seen := map[schema.GroupVersionKind]bool{}
	out := make([]Watch, 0, len(entries))
	for i, e := range entries {
		w, err := e.toWatch(base, getenv, defaults)
		if err != nil {
			return nil, fmt.Errorf("watches file %s entry %d: %w", path, i, err)
		}
		if seen[w.GVK] {
			return nil, fmt.Errorf("watches file %s: duplicate entry for %s", path, w.GVK)
		}
		seen[w.GVK] = true
		out = append(out, w)
	}
	return out, nil
}

func (e watchFile) toWatch(base string, getenv func(string) string, d WatchDefaults) (Watch, error) {
	if e.Version == "" || e.Kind == "" {
		return Watch{}, errors.New("version and kind are required")
	}
	if e.Chart == "" {
		return Watch{}, errors.New("chart is required")
	}
	w := Watch{
		GVK:                     schema.GroupVersionKind{Group: e.Group, Version: e.Version, Kind: e.Kind},
		ChartPath:               e.Chart,
		OverrideValues:          map[string]string{},
		ReconcilePeriod:         d.ReconcilePeriod,
		MaxConcurrentReconciles: d.MaxConcurrentReconciles,
		Selector:                e.Selector,
		WatchDependentResources: e.WatchDependentResources == nil || *e.WatchDependentResources,
	}
	if !filepath.IsAbs(w.ChartPath) {
		w.ChartPath = filepath.Join(base, w.ChartPath)
	}
	if e.ReconcilePeriod != nil {
		w.ReconcilePeriod = e.ReconcilePeriod.Duration
	}
	if e.MaxConcurrentReconciles != nil {
		if *e.MaxConcurrentReconciles < 1 {
			return Watch{}, fmt.Errorf("maxConcurrentReconciles must be at least 1, got %d", *e.MaxConcurrentReconciles)
		}
		w.MaxConcurrentReconciles = *e.MaxConcurrentReconciles
	}
	if w.MaxConcurrentReconciles < 1 {
		w.MaxConcurrentReconciles = 1
	}
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	for k, v := range e.OverrideValues {
		w.OverrideValues[k] = os.Expand(v, getenv)
	}
	// Validate the overrides once here so a typo fails at start-up, not per CR.
	if _, err := applyOverrides(map[string]any{}, w.OverrideValues); err != nil {
		return Watch{}, err
	}
	ch, err := loader.Load(w.ChartPath)
	if err != nil {
		return Watch{}, fmt.Errorf("loading chart %s: %w", w.ChartPath, err)
	}
	w.Chart = ch
	w.ChartDigest, err = chartDigest(ch)
	if err != nil {
		return Watch{}, fmt.Errorf("hashing chart %s: %w", w.ChartPath, err)
	}
	return w, nil
}

// applyOverrides writes each key=value into vals with Helm's --set syntax, so
// values are typed as `helm --set` types them.
func applyOverrides(vals map[string]any, overrides map[string]string) (map[string]any, error) {
	// Sorted so that overlapping keys (a and a.b) apply in a stable order.
	for _, k := range slices.Sorted(maps.Keys(overrides)) {
		if err := strvals.ParseInto(k+"="+overrides[k], vals); err != nil {
			return nil, fmt.Errorf("override value %q: %w", k, err)
		}
	}
	return vals, nil
}
