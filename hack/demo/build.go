package main

import (
	"fmt"
	"os/exec"
	"path/filepath"

	"github.com/ray-ha-operator/ray-ha-operator/test/testbin"
)

// checkPrerequisites fails early, with the command that fixes it, when the
// Kubernetes binaries or redis-server are missing.
func checkPrerequisites() error {
	if _, err := testbin.Dir(); err != nil {
		return err
	}
	if _, err := testbin.Path("kwok"); err != nil {
		return err
	}
	if _, err := exec.LookPath("redis-server"); err != nil {
		return fmt.Errorf("redis-server not found on PATH: run `make redis-server-check`: %w", err)
	}
	return nil
}

// relPath shows paths under the repository relative to it.
func relPath(root, p string) string {
	if r, err := filepath.Rel(root, p); err == nil && !filepath.IsAbs(r) && r != "" && r[0] != '.' {
		return r
	}
	return p
}
