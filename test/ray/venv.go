package ray

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ray-ha-operator/ray-ha-operator/test/testbin"
)

// EnvVenv names the virtualenv folder holding Ray; the Makefile sets it.
// Without it the tests use bin/ray-venv at the module root.
const EnvVenv = "RAY_VENV"

// Venv is the virtualenv that Ray runs from.
type Venv struct {
	Dir string
}

// BinDir is the folder with python and the ray CLI: the tests put it first
// on PATH, as the Ray image does.
func (v Venv) BinDir() string { return filepath.Join(v.Dir, "bin") }

// Python is the virtualenv's interpreter.
func (v Venv) Python() string { return filepath.Join(v.BinDir(), "python") }

// FindVenv returns the virtualenv, or an error saying how to create it.
func FindVenv() (Venv, error) {
	dir := os.Getenv(EnvVenv)
	if dir == "" {
		root, err := testbin.ModuleRoot()
		if err != nil {
			return Venv{}, err
		}
		dir = filepath.Join(root, "bin", "ray-venv")
	}
	if _, err := os.Stat(filepath.Join(dir, "bin", "ray")); err != nil {
		return Venv{}, fmt.Errorf("no Ray virtualenv in %s (run `make ray-venv`): %w", dir, err)
	}
	return Venv{Dir: dir}, nil
}

// RequireVenv skips the test under -short or without the virtualenv. In CI
// (CI=true) a missing virtualenv fails the test instead: there the tier
// must run, and a skip would pass without proving anything.
func RequireVenv(t testing.TB) Venv {
	t.Helper()
	if testing.Short() {
		t.Skip("runs real Ray processes: skipped with -short")
	}
	v, err := FindVenv()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("real-Ray test cannot run in CI: %v (make test creates it with make ray-venv-if-possible)", err)
		}
		t.Skipf("real-Ray test skipped: %v", err)
	}
	return v
}

// Interpreter is the Python installation the virtualenv was made from (the
// folder above pyvenv.cfg's home): its binary and standard library are
// needed by anyone who runs the virtualenv.
func (v Venv) Interpreter() (string, error) {
	b, err := os.ReadFile(filepath.Join(v.Dir, "pyvenv.cfg"))
	if err != nil {
		return "", fmt.Errorf("reading the virtualenv's pyvenv.cfg: %w", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, val, ok := strings.Cut(line, "=")
		if ok && strings.TrimSpace(k) == "home" {
			return filepath.Dir(strings.TrimSpace(val)), nil
		}
	}
	return "", fmt.Errorf("%s/pyvenv.cfg names no home", v.Dir)
}
