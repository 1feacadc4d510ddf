package check

import (
	"bufio"
	"bytes"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/operator-framework/api/pkg/manifests"
	"sigs.k8s.io/yaml"
)

// requiredAnnotations of metadata/annotations.yaml with their fixed value
// ("" for a value that only has to be there).
var requiredAnnotations = map[string]string{
	"operators.operatorframework.io.bundle.mediatype.v1": "registry+v1",
	"operators.operatorframework.io.bundle.manifests.v1": "manifests/",
	"operators.operatorframework.io.bundle.metadata.v1":  "metadata/",
	"operators.operatorframework.io.bundle.package.v1":   "",
	"operators.operatorframework.io.bundle.channels.v1":  "",
}

const (
	keyPackage        = "operators.operatorframework.io.bundle.package.v1"
	keyChannels       = "operators.operatorframework.io.bundle.channels.v1"
	keyDefaultChannel = "operators.operatorframework.io.bundle.channel.default.v1"
	keyTestConfig     = "operators.operatorframework.io.test.config.v1"
)

// metadata checks annotations.yaml: required keys and values, the package
// matching the CSV name, a default channel among the channels, and the
// Dockerfile's LABELs equal to the annotations (OLM trusts the file, image
// tooling the labels; they must agree).
func metadata(r *Report, dir, dockerfile string, b *manifests.Bundle) error {
	ann, err := readAnnotations(filepath.Join(dir, "metadata", "annotations.yaml"))
	if err != nil {
		return err
	}
	for _, k := range slices.Sorted(maps.Keys(requiredAnnotations)) {
		v, ok := ann[k]
		switch want := requiredAnnotations[k]; {
		case !ok || v == "":
			r.add(Error, "metadata", "annotations.yaml lacks %s", k)
		case want != "" && v != want:
			r.add(Error, "metadata", "annotations.yaml: %s is %q, want %q", k, v, want)
		}
	}
	if pkg := ann[keyPackage]; b.CSV != nil && !strings.HasPrefix(b.CSV.Name, pkg+".v") {
		r.add(Error, "metadata", "CSV %s is not named after package %q", b.CSV.Name, pkg)
	}
	channels := strings.Split(ann[keyChannels], ",")
	if def, ok := ann[keyDefaultChannel]; ok && !slices.Contains(channels, def) {
		r.add(Error, "metadata", "default channel %q is not among the channels %v", def, channels)
	}
	if cfg, ok := ann[keyTestConfig]; ok {
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(cfg), "config.yaml")); err != nil {
			r.add(Error, "metadata", "%s names %s, but it has no config.yaml: %v", keyTestConfig, cfg, err)
		}
	}
	labels, err := dockerLabels(dockerfile)
	if err != nil {
		return err
	}
	if !maps.Equal(labels, ann) {
		r.add(Error, "metadata", "%s LABELs %v differ from annotations.yaml %v", filepath.Base(dockerfile), labels, ann)
	}
	return nil
}

func readAnnotations(path string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	var f struct {
		Annotations map[string]string `json:"annotations"`
	}
	if err := yaml.UnmarshalStrict(data, &f); err != nil {
		return nil, fmt.Errorf("parsing %s: %w", path, err)
	}
	return f.Annotations, nil
}

// dockerLabels reads `LABEL key=value` lines (one label per line, as the
// generator writes them).
func dockerLabels(path string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	labels := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		rest, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "LABEL ")
		if !ok {
			continue
		}
		k, v, ok := strings.Cut(strings.TrimSpace(rest), "=")
		if !ok {
			return nil, fmt.Errorf("%s: cannot parse %q", path, sc.Text())
		}
		labels[k] = strings.Trim(v, `"`)
	}
	return labels, sc.Err()
}
