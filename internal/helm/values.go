package helm

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/mitchellh/copystructure"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chartutil"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// ValuesMapper supplies values that only the operator knows (for RayCluster:
// the resource's name, UID and annotations). They win over the spec and the
// override values, so a user cannot set them through the spec.
type ValuesMapper func(ctx context.Context, obj *unstructured.Unstructured) (map[string]any, error)

// inputHashLength is the number of hex digits kept: a label value holds at
// most 63 characters, and 128 bits is plenty to tell inputs apart.
const inputHashLength = 32

// userValues builds the values passed to Helm for one resource: a copy of its
// spec, then the override values of watches.yaml, then the mapped values. The
// chart's defaults are added by Helm itself, so the release stores only these.
func userValues(ctx context.Context, obj *unstructured.Unstructured, overrides map[string]string, mapper ValuesMapper) (map[string]any, error) {
	spec, _, err := unstructured.NestedFieldCopy(obj.Object, "spec")
	if err != nil {
		return nil, fmt.Errorf("reading spec of %s: %w", obj.GetName(), err)
	}
	vals, _ := spec.(map[string]any)
	if vals == nil {
		vals = map[string]any{}
	}
	if vals, err = applyOverrides(vals, overrides); err != nil {
		return nil, err
	}
	if mapper == nil {
		return vals, nil
	}
	mapped, err := mapper(ctx, obj)
	if err != nil {
		return nil, fmt.Errorf("mapping operator values for %s: %w", obj.GetName(), err)
	}
	if mapped == nil {
		return vals, nil
	}
	// MergeTables keeps what its first argument has, so mapped values win.
	return chartutil.MergeTables(mapped, vals), nil
}

// renderValues are the values the templates see (chart defaults coalesced
// with the user values), handed to hooks. Computed on a copy: Coalesce
// writes into the chart's maps.
func renderValues(c *chart.Chart, vals map[string]any) (chartutil.Values, error) {
	cp, err := copystructure.Copy(vals)
	if err != nil {
		return nil, fmt.Errorf("copying values: %w", err)
	}
	ch, err := copyChart(c)
	if err != nil {
		return nil, err
	}
	out, err := chartutil.CoalesceValues(ch, cp.(map[string]any))
	if err != nil {
		return nil, fmt.Errorf("coalescing values with chart %s defaults: %w", c.Name(), err)
	}
	return out, nil
}

// hashInputs are everything that decides what a release renders, except the
// cluster state that `lookup` templates could read (the periodic full check
// covers that).
type hashInputs struct {
	UID             string            `json:"uid"`
	Values          map[string]any    `json:"values"`
	Overrides       map[string]string `json:"overrides"`
	ChartVersion    string            `json:"chartVersion"`
	ChartDigest     string            `json:"chartDigest"`
	OperatorVersion string            `json:"operatorVersion"`
	Options         map[string]string `json:"options,omitempty"`
}

// inputHash is a stable digest of the inputs: encoding/json sorts map keys,
// so equal inputs give equal hashes whatever the map iteration order.
func inputHash(in hashInputs) (string, error) {
	b, err := json.Marshal(in)
	if err != nil {
		return "", fmt.Errorf("encoding hash inputs: %w", err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])[:inputHashLength], nil
}
