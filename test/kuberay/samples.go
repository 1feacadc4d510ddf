package kuberay

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

// KubeRayModule and KubeRayVersion name the KubeRay Go module whose code is
// the oracle and whose samples are the first specs compared. The oracle's
// go.mod requires the same version.
const (
	KubeRayModule  = "github.com/ray-project/kuberay/ray-operator"
	KubeRayVersion = "v1.5.0"
)

// samplesGlob selects the RayCluster samples inside the KubeRay module.
const samplesGlob = "config/samples/ray-cluster.*.yaml"

// Sample is one KubeRay sample file and the RayCluster documents in it
// (other kinds in the file, such as ConfigMaps and Secrets, are left out).
type Sample struct {
	Name    string // file name, e.g. ray-cluster.sample.yaml
	Path    string // absolute path in the module cache
	Objects []*unstructured.Unstructured
}

// Samples lists every RayCluster sample of KubeRay's module, sorted by file
// name. The module is located with `go mod download` in the oracle module,
// so a clean clone needs only the module proxy (or a warm module cache).
func Samples() ([]Sample, error) {
	dir, err := kubeRayModuleDir()
	if err != nil {
		return nil, err
	}
	paths, err := filepath.Glob(filepath.Join(dir, filepath.FromSlash(samplesGlob)))
	if err != nil {
		return nil, fmt.Errorf("listing KubeRay samples: %w", err)
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("no %s in KubeRay module at %s", samplesGlob, dir)
	}
	sort.Strings(paths)
	samples := make([]Sample, 0, len(paths))
	for _, p := range paths {
		objs, err := readRayClusters(p)
		if err != nil {
			return nil, err
		}
		samples = append(samples, Sample{Name: filepath.Base(p), Path: p, Objects: objs})
	}
	return samples, nil
}

var (
	moduleDirOnce sync.Once
	moduleDir     string
	moduleDirErr  error
)

// kubeRayModuleDir asks the go command where the KubeRay module lives
// (downloading it if the cache lacks it), once per process.
func kubeRayModuleDir() (string, error) {
	moduleDirOnce.Do(func() {
		oracle, err := OracleDir()
		if err != nil {
			moduleDirErr = err
			return
		}
		cmd := exec.Command("go", "mod", "download", "-json", KubeRayModule+"@"+KubeRayVersion)
		cmd.Dir = oracle
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			moduleDirErr = fmt.Errorf("go mod download %s@%s: %w: %s", KubeRayModule, KubeRayVersion, err, strings.TrimSpace(stderr.String()))
			return
		}
		var info struct{ Dir, Error string }
		if err := json.Unmarshal(out, &info); err != nil {
			moduleDirErr = fmt.Errorf("reading go mod download output: %w", err)
			return
		}
		if info.Error != "" || info.Dir == "" {
			moduleDirErr = fmt.Errorf("go mod download %s@%s: no module directory: %s", KubeRayModule, KubeRayVersion, info.Error)
			return
		}
		moduleDir = info.Dir
	})
	return moduleDir, moduleDirErr
}

// readRayClusters keeps the RayClusters of a sample file.
func readRayClusters(path string) ([]*unstructured.Unstructured, error) {
	docs, err := Documents(path)
	if err != nil {
		return nil, err
	}
	var objs []*unstructured.Unstructured
	for _, d := range docs {
		if d.GetKind() == "RayCluster" {
			objs = append(objs, d)
		}
	}
	return objs, nil
}

// Documents decodes every YAML document of a sample file, in file order,
// skipping empty ones. A KubeRay sample is meant to be applied whole, so
// callers that apply it also get its Redis, Secrets and ConfigMaps.
func Documents(path string) ([]*unstructured.Unstructured, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading sample: %w", err)
	}
	defer f.Close()
	dec := utilyaml.NewYAMLOrJSONDecoder(f, 4096)
	var objs []*unstructured.Unstructured
	for {
		var obj map[string]any
		if err := dec.Decode(&obj); err != nil {
			if errors.Is(err, io.EOF) {
				return objs, nil
			}
			return nil, fmt.Errorf("decoding sample %s: %w", filepath.Base(path), err)
		}
		if len(obj) > 0 {
			objs = append(objs, &unstructured.Unstructured{Object: obj})
		}
	}
}

// OracleDir is the oracle module's folder (test/kuberay/oracle), found by
// walking up from the working directory to the repository root.
func OracleDir() (string, error) {
	root, err := repoRoot()
	if err != nil {
		return "", err
	}
	return filepath.Join(root, "test", "kuberay", "oracle"), nil
}

// rootModuleLine is how the repository's go.mod starts.
const rootModuleLine = "module github.com/ray-ha-operator/ray-ha-operator\n"

// repoRoot walks up from the working directory to the root module's go.mod.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("finding the repository root: %w", err)
	}
	for {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && bytes.HasPrefix(b, []byte(rootModuleLine)) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("finding the repository root: no go.mod of the operator above the working directory")
		}
		dir = parent
	}
}
