package gen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/blang/semver/v4"
	"github.com/operator-framework/api/pkg/lib/version"
	operatorsv1alpha1 "github.com/operator-framework/api/pkg/operators/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// CSV annotations the generator owns.
const (
	annotationExamples  = "alm-examples"
	annotationImage     = "containerImage"
	annotationCreatedAt = "createdAt"
	// relatedImageEnvPrefix marks container env vars that name operand
	// images, the convention OLM's tooling uses for relatedImages.
	relatedImageEnvPrefix = "RELATED_IMAGE_"
	// operatorImageName is the operator's own entry in relatedImages.
	operatorImageName = "ray-ha-operator"
	// watchNamespaceEnv is the operator's setting for the namespaces it serves.
	watchNamespaceEnv = "WATCH_NAMESPACE"
)

// fillCSV turns the base CSV into the bundle's: everything except createdAt,
// which renderCSV decides.
func fillCSV(m *manifests, perms rbacSplit, o Options) error {
	csv := m.csv
	if !strings.HasPrefix(csv.Name, o.Package+".v") {
		return fmt.Errorf("base CSV %s is not named %s.v<version>", csv.Name, o.Package)
	}
	v := semver.MustParse(o.Version)
	csv.Name = fmt.Sprintf("%s.v%s", o.Package, o.Version)
	csv.Namespace = ""
	csv.Spec.Version = version.OperatorVersion{Version: v}
	if csv.Annotations == nil {
		csv.Annotations = map[string]string{}
	}
	csv.Annotations[annotationImage] = o.Image

	deployments, related, err := installDeployments(m.deployments, o.Image)
	if err != nil {
		return err
	}
	csv.Spec.InstallStrategy = operatorsv1alpha1.NamedInstallStrategy{
		StrategyName: operatorsv1alpha1.InstallStrategyNameDeployment,
		StrategySpec: operatorsv1alpha1.StrategyDetailsDeployment{
			DeploymentSpecs:    deployments,
			Permissions:        perms.permissions,
			ClusterPermissions: perms.clusterPermissions,
		},
	}
	csv.Spec.RelatedImages = related
	csv.Spec.CustomResourceDefinitions.Owned = ownedCRDs(m)
	examples, err := almExamples(m)
	if err != nil {
		return err
	}
	csv.Annotations[annotationExamples] = examples
	return nil
}

// installDeployments puts the operator image into the Deployments and lists
// every image they name: the operator's and any RELATED_IMAGE_* operand.
func installDeployments(deps []*appsv1.Deployment, image string) ([]operatorsv1alpha1.StrategyDeploymentSpec, []operatorsv1alpha1.RelatedImage, error) {
	if len(deps) == 0 {
		return nil, nil, fmt.Errorf("no Deployment in the manifests (config/manager)")
	}
	related := []operatorsv1alpha1.RelatedImage{{Name: operatorImageName, Image: image}}
	var specs []operatorsv1alpha1.StrategyDeploymentSpec
	for _, d := range deps {
		tmpl := &d.Spec.Template.Spec
		for _, list := range [][]corev1.Container{tmpl.InitContainers, tmpl.Containers} {
			for i := range list {
				c := &list[i]
				if c.Image == placeholderImage || strings.HasPrefix(c.Image, placeholderImage+":") {
					c.Image = image
					c.Env = withWatchNamespace(c.Env)
				}
				imgs, err := relatedFromEnv(d.Name, c)
				if err != nil {
					return nil, nil, err
				}
				related = append(related, imgs...)
			}
		}
		specs = append(specs, operatorsv1alpha1.StrategyDeploymentSpec{Name: d.Name, Spec: d.Spec, Label: d.Labels})
	}
	sort.Slice(specs, func(i, j int) bool { return specs[i].Name < specs[j].Name })
	sort.SliceStable(related[1:], func(i, j int) bool { return related[1+i].Name < related[1+j].Name })
	return specs, related, nil
}

// withWatchNamespace points WATCH_NAMESPACE at the namespaces of the
// OperatorGroup, which OLM writes into the pod's olm.targetNamespaces
// annotation ("" for AllNamespaces): that is what makes the Own-, Single-
// and MultiNamespace install modes restrict the operator's watches.
func withWatchNamespace(env []corev1.EnvVar) []corev1.EnvVar {
	v := corev1.EnvVar{Name: watchNamespaceEnv, ValueFrom: &corev1.EnvVarSource{
		FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.annotations['olm.targetNamespaces']"},
	}}
	out := []corev1.EnvVar{v}
	for _, e := range env {
		if e.Name != watchNamespaceEnv {
			out = append(out, e)
		}
	}
	return out
}

func relatedFromEnv(deployment string, c *corev1.Container) ([]operatorsv1alpha1.RelatedImage, error) {
	var out []operatorsv1alpha1.RelatedImage
	for _, e := range c.Env {
		if !strings.HasPrefix(e.Name, relatedImageEnvPrefix) {
			continue
		}
		if e.Value == "" {
			return nil, fmt.Errorf("deployment %s container %s: %s must have a literal value", deployment, c.Name, e.Name)
		}
		name := strings.ToLower(strings.ReplaceAll(strings.TrimPrefix(e.Name, relatedImageEnvPrefix), "_", "-"))
		out = append(out, operatorsv1alpha1.RelatedImage{Name: name, Image: e.Value})
	}
	return out, nil
}

// ownedCRDs lists every served version of every bundle CRD, keeping the
// base CSV's description and descriptors where name, version and kind match.
func ownedCRDs(m *manifests) []operatorsv1alpha1.CRDDescription {
	base := map[string]operatorsv1alpha1.CRDDescription{}
	for _, d := range m.csv.Spec.CustomResourceDefinitions.Owned {
		base[d.Name+"/"+d.Version+"/"+d.Kind] = d
	}
	var owned []operatorsv1alpha1.CRDDescription
	for _, crd := range m.crds {
		for _, v := range crd.Spec.Versions {
			if !v.Served {
				continue
			}
			key := crd.Name + "/" + v.Name + "/" + crd.Spec.Names.Kind
			d, ok := base[key]
			if !ok {
				d = operatorsv1alpha1.CRDDescription{Name: crd.Name, Version: v.Name, Kind: crd.Spec.Names.Kind}
			}
			owned = append(owned, d)
		}
	}
	sort.Slice(owned, func(i, j int) bool {
		if owned[i].Name != owned[j].Name {
			return owned[i].Name < owned[j].Name
		}
		return owned[i].Version < owned[j].Version
	})
	return owned
}

// almExamples is the JSON array of the sample custom resources, in the order
// of config/samples, namespaces removed.
func almExamples(m *manifests) (string, error) {
	var list []map[string]any
	for _, u := range m.examples {
		c := u.DeepCopy()
		c.SetNamespace("")
		list = append(list, c.Object)
	}
	if len(list) == 0 {
		return "", fmt.Errorf("no samples of the owned CRDs in the manifests (config/samples)")
	}
	b, err := json.MarshalIndent(list, "", "  ")
	if err != nil {
		return "", fmt.Errorf("encoding alm-examples: %w", err)
	}
	return string(b), nil
}

// renderCSV writes the CSV, with the previous createdAt if the rest is
// unchanged and the current time otherwise.
func renderCSV(csv *operatorsv1alpha1.ClusterServiceVersion, previous []byte, now func() time.Time) ([]byte, error) {
	if prev := previousCreatedAt(previous); prev != "" {
		csv.Annotations[annotationCreatedAt] = prev
		b, err := marshalObject(csv)
		if err != nil || bytes.Equal(b, previous) {
			return b, err
		}
	}
	csv.Annotations[annotationCreatedAt] = now().UTC().Format(time.RFC3339)
	return marshalObject(csv)
}

func previousCreatedAt(previous []byte) string {
	if len(previous) == 0 {
		return ""
	}
	var old operatorsv1alpha1.ClusterServiceVersion
	if err := yaml.Unmarshal(previous, &old); err != nil {
		return ""
	}
	at := old.Annotations[annotationCreatedAt]
	if _, err := time.Parse(time.RFC3339, at); err != nil {
		return ""
	}
	return at
}
