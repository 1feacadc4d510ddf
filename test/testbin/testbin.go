// Package testbin locates the Kubernetes binaries that `make testbin` builds
// (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok and
// kwok's stage files) and starts envtest with them.
package testbin

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// EnvDir is the environment variable that names the binaries' folder; the
// Makefile sets it. Without it the folder is bin/testbin at the module root.
const EnvDir = "TESTBIN_DIR"

// Dir returns the folder holding the test binaries, or an error that says
// how to build them.
func Dir() (string, error) {
	dir := os.Getenv(EnvDir)
	if dir == "" {
		root, err := moduleRoot()
		if err != nil {
			return "", err
		}
		dir = filepath.Join(root, "bin", "testbin")
	}
	if _, err := os.Stat(filepath.Join(dir, "kube-apiserver")); err != nil {
		return "", fmt.Errorf("test binaries not found in %s: run `make testbin` first: %w", dir, err)
	}
	return dir, nil
}

// Path returns the path of one binary (or of the kwok-stages folder).
func Path(name string) (string, error) {
	dir, err := Dir()
	if err != nil {
		return "", err
	}
	p := filepath.Join(dir, name)
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("%s missing from %s: run `make testbin`: %w", name, dir, err)
	}
	return p, nil
}

// ModuleRoot returns the folder of the repository's go.mod, found by walking
// up from the working directory (go test runs in the package folder).
func ModuleRoot() (string, error) { return moduleRoot() }

func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if isRoot(dir) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("repository root (go.mod with module github.com/ray-ha-operator/ray-ha-operator) not found above the working directory")
		}
		dir = parent
	}
}

func isRoot(dir string) bool {
	b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		return false
	}
	const want = "module github.com/ray-ha-operator/ray-ha-operator\n"
	return len(b) >= len(want) && string(b[:len(want)]) == want
}
