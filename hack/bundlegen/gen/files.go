package gen

import (
	"encoding/json"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// Folders of a registry+v1 bundle.
const (
	manifestsDir = "manifests"
	metadataDir  = "metadata"
)

// supportedKinds are the kinds OLM installs from a bundle's manifests folder
// besides the CSV and CRDs. NetworkPolicy is left out on purpose: OLM would
// take it, the community catalogs reject it.
var supportedKinds = map[string]bool{
	"Secret": true, "ClusterRole": true, "ClusterRoleBinding": true, "ConfigMap": true,
	"ServiceAccount": true, "Service": true, "Role": true, "RoleBinding": true,
	"PrometheusRule": true, "ServiceMonitor": true, "PodDisruptionBudget": true,
	"PriorityClass": true, "VerticalPodAutoscaler": true, "ConsoleYAMLSample": true,
	"ConsoleQuickStart": true, "ConsoleCLIDownload": true, "ConsoleLink": true,
	"ConsolePlugin": true, "PodMonitor": true,
}

// objectFile names a non-CSV, non-CRD manifest as operator-sdk does:
// <name>_<version>_<kind> for the core group, <name>_<group>_<version>_<kind>
// otherwise.
func objectFile(u *unstructured.Unstructured) string {
	gvk := u.GroupVersionKind()
	kind := strings.ToLower(gvk.Kind)
	if gvk.Group == "" {
		return fmt.Sprintf("%s_%s_%s.yaml", u.GetName(), gvk.Version, kind)
	}
	return fmt.Sprintf("%s_%s_%s_%s.yaml", u.GetName(), gvk.Group, gvk.Version, kind)
}

// toUnstructured turns a typed object into a map without the empty
// creationTimestamp and status that typed round trips add.
func toUnstructured(obj any) (*unstructured.Unstructured, error) {
	if u, ok := obj.(*unstructured.Unstructured); ok {
		return u.DeepCopy(), nil
	}
	b, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	delete(m, "status")
	dropNullTimestamps(m)
	return &unstructured.Unstructured{Object: m}, nil
}

// dropNullTimestamps removes "creationTimestamp: null" at any depth (object
// metadata and pod template metadata).
func dropNullTimestamps(v any) {
	switch t := v.(type) {
	case map[string]any:
		if ts, ok := t["creationTimestamp"]; ok && ts == nil {
			delete(t, "creationTimestamp")
		}
		for _, c := range t {
			dropNullTimestamps(c)
		}
	case []any:
		for _, c := range t {
			dropNullTimestamps(c)
		}
	}
}

// marshalObject writes one object as YAML with sorted keys: byte-for-byte
// the same output for the same input.
func marshalObject(obj any) ([]byte, error) {
	u, err := toUnstructured(obj)
	if err != nil {
		return nil, fmt.Errorf("encoding %T: %w", obj, err)
	}
	b, err := yaml.Marshal(u.Object)
	if err != nil {
		return nil, fmt.Errorf("encoding %s %s: %w", u.GetKind(), u.GetName(), err)
	}
	return b, nil
}

// plainFile renders an object that goes into the bundle as it is, without
// its namespace (OLM puts it in the install namespace).
func plainFile(obj any) (string, []byte, error) {
	u, err := toUnstructured(obj)
	if err != nil {
		return "", nil, fmt.Errorf("encoding %T: %w", obj, err)
	}
	if !supportedKinds[u.GetKind()] {
		return "", nil, fmt.Errorf("%s %s cannot go into an OLM bundle; leave it out of config/manifests", u.GetKind(), u.GetName())
	}
	u.SetNamespace("")
	b, err := marshalObject(u)
	return manifestsDir + "/" + objectFile(u), b, err
}
