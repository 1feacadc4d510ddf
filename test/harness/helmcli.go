/*
Copyright 2026 The ray-ha-operator Authors.
*/

package harness

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ray-ha-operator/ray-ha-operator/test/testbin"
)

// HelmCLI is the helm binary `make helm` builds (bin/helm-<HELM_VERSION>,
// the version read from the Makefile) and that version. Without it the
// test is skipped, saying how to build it; with CI=true it fails.
func HelmCLI(t testing.TB) (bin, version string) {
	t.Helper()
	root, err := testbin.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	mk, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^HELM_VERSION\s*\?=\s*(\S+)`).FindSubmatch(mk)
	if m == nil {
		t.Fatal("no HELM_VERSION in the Makefile")
	}
	version = string(m[1])
	bin = filepath.Join(root, "bin", "helm-"+version)
	if _, err := os.Stat(bin); err != nil {
		msg := "helm CLI test: " + bin + " is missing; run `make helm`"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return bin, version
}

// RunHelm runs the helm CLI with a private Helm home (no repositories or
// plugins of the machine) and returns its standard output; a failure
// fails the test with its standard error.
func RunHelm(t testing.TB, bin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	home := t.TempDir()
	cmd.Env = append(os.Environ(), "HELM_CACHE_HOME="+home+"/cache", "HELM_CONFIG_HOME="+home+"/config", "HELM_DATA_HOME="+home+"/data")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("helm %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return string(out)
}
