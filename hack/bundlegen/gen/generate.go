package gen

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
)

// Bundle is a generated bundle: file contents keyed by their path relative
// to the bundle folder, and the bundle.Dockerfile.
type Bundle struct {
	Files      map[string][]byte
	Dockerfile []byte
}

// CSVFile is the path of the CSV inside a bundle of package pkg.
func CSVFile(pkg string) string {
	return manifestsDir + "/" + pkg + ".clusterserviceversion.yaml"
}

// Generate renders the bundle. bundleDir is where it will be written,
// relative to the folder of the Dockerfile (used in its COPY lines).
func Generate(o Options, bundleDir string) (*Bundle, error) {
	if err := o.validate(); err != nil {
		return nil, fmt.Errorf("bundle options: %w", err)
	}
	objs, err := renderKustomization(o.ManifestsDir)
	if err != nil {
		return nil, err
	}
	m, err := collect(withoutGroups(objs, o.ExcludeGroups))
	if err != nil {
		return nil, err
	}
	perms := splitRBAC(m)
	if err := fillCSV(m, perms, o); err != nil {
		return nil, fmt.Errorf("building the CSV: %w", err)
	}
	b := &Bundle{Files: map[string][]byte{}, Dockerfile: dockerfile(o, filepath.ToSlash(bundleDir))}
	if b.Files[CSVFile(o.Package)], err = renderCSV(m.csv, o.PreviousCSV, o.Now); err != nil {
		return nil, fmt.Errorf("writing the CSV: %w", err)
	}
	for _, crd := range m.crds {
		name := fmt.Sprintf("%s/%s_%s.yaml", manifestsDir, crd.Spec.Group, crd.Spec.Names.Plural)
		if b.Files[name], err = marshalObject(crd); err != nil {
			return nil, err
		}
	}
	var plain []any
	for _, u := range m.others {
		plain = append(plain, u)
	}
	for _, obj := range append(plain, perms.leftovers...) {
		name, data, err := plainFile(obj)
		if err != nil {
			return nil, err
		}
		if _, dup := b.Files[name]; dup {
			return nil, fmt.Errorf("two manifests would be written to %s", name)
		}
		b.Files[name] = data
	}
	b.Files[metadataDir+"/annotations.yaml"] = annotationsYAML(o)
	if o.ScorecardDir != "" {
		if b.Files[scorecardDir+"/config.yaml"], err = scorecardConfig(o.ScorecardDir); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// scorecardConfig renders the scorecard kustomization: exactly one
// scorecard Configuration.
func scorecardConfig(dir string) ([]byte, error) {
	objs, err := renderKustomization(dir)
	if err != nil {
		return nil, err
	}
	if len(objs) != 1 || objs[0].GetKind() != "Configuration" || objs[0].GroupVersionKind().Group != "scorecard.operatorframework.io" {
		return nil, fmt.Errorf("%s must render exactly one scorecard.operatorframework.io Configuration, got %d objects", dir, len(objs))
	}
	return marshalObject(objs[0])
}

// Write replaces the manifests and metadata folders under dir with the
// bundle's files, so files of objects that no longer exist disappear, and
// writes the Dockerfile.
func (b *Bundle) Write(dir, dockerfilePath string) error {
	for _, sub := range []string{manifestsDir, metadataDir, scorecardDir} {
		if err := os.RemoveAll(filepath.Join(dir, sub)); err != nil {
			return fmt.Errorf("clearing %s: %w", filepath.Join(dir, sub), err)
		}
	}
	for _, name := range b.Names() {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return fmt.Errorf("creating %s: %w", filepath.Dir(path), err)
		}
		if err := os.WriteFile(path, b.Files[name], 0o644); err != nil {
			return fmt.Errorf("writing %s: %w", path, err)
		}
	}
	if err := os.WriteFile(dockerfilePath, b.Dockerfile, 0o644); err != nil {
		return fmt.Errorf("writing %s: %w", dockerfilePath, err)
	}
	return nil
}

// Names lists the bundle's files in a stable order.
func (b *Bundle) Names() []string {
	names := make([]string, 0, len(b.Files))
	for n := range b.Files {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
