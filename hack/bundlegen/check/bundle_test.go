package check

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ray-ha-operator/ray-ha-operator/test/testbin"
)

const csvFile = "manifests/ray-ha-operator.clusterserviceversion.yaml"

// copyBundle copies the repository's bundle and its Dockerfile into a
// temporary folder that a test may break.
func copyBundle(t *testing.T) (dir, dockerfile string) {
	t.Helper()
	root, err := testbin.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	dir = filepath.Join(tmp, "bundle")
	for _, sub := range []string{"manifests", "metadata", "tests/scorecard"} {
		files, err := filepath.Glob(filepath.Join(root, "bundle", sub, "*"))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			copyFile(t, f, filepath.Join(dir, sub, filepath.Base(f)))
		}
	}
	dockerfile = filepath.Join(tmp, "bundle.Dockerfile")
	copyFile(t, filepath.Join(root, "bundle.Dockerfile"), dockerfile)
	return dir, dockerfile
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func edit(t *testing.T, path, old, new string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), old) {
		t.Fatalf("%s does not contain %q", path, old)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(string(data), old, new, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestBundleFindsBreakage breaks a copy of the real bundle in one way per
// case and expects an error from the check that guards against it.
func TestBundleFindsBreakage(t *testing.T) {
	tests := map[string]struct {
		breakIt   func(t *testing.T, dir, dockerfile string)
		wantCheck string
	}{
		"two objects in one file": {
			breakIt: func(t *testing.T, dir, _ string) {
				p := filepath.Join(dir, "manifests", "ray-ha-operator-controller-manager-metrics-service_v1_service.yaml")
				data, err := os.ReadFile(p)
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, append(append(data, "---\n"...), data...), 0o644); err != nil {
					t.Fatal(err)
				}
			},
			wantCheck: "one-object-per-file",
		},
		"scorecard config missing": {
			breakIt: func(t *testing.T, dir, _ string) {
				if err := os.Remove(filepath.Join(dir, "tests", "scorecard", "config.yaml")); err != nil {
					t.Fatal(err)
				}
			},
			wantCheck: "metadata",
		},
		"feature annotation missing": {
			breakIt: func(t *testing.T, dir, _ string) {
				edit(t, filepath.Join(dir, csvFile), "features.operators.openshift.io/tls-profiles", "x-tls-profiles")
			},
			wantCheck: "openshift",
		},
		"disconnected claimed with tags": {
			breakIt: func(t *testing.T, dir, _ string) {
				edit(t, filepath.Join(dir, csvFile), `features.operators.openshift.io/disconnected: "false"`, `features.operators.openshift.io/disconnected: "true"`)
			},
			wantCheck: "openshift",
		},
		"Dockerfile label differs": {
			breakIt: func(t *testing.T, _, dockerfile string) {
				edit(t, dockerfile, "channels.v1=candidate", "channels.v1=stable")
			},
			wantCheck: "metadata",
		},
		"category only one catalog knows": {
			breakIt: func(t *testing.T, dir, _ string) {
				edit(t, filepath.Join(dir, csvFile), "categories: AI/Machine Learning, Big Data", "categories: Observability")
			},
			wantCheck: "required-fields",
		},
		"spec field without descriptor": {
			breakIt: func(t *testing.T, dir, _ string) {
				edit(t, filepath.Join(dir, csvFile), "path: rayVersion\n", "path: rayVersionX\n")
			},
			wantCheck: "examples",
		},
		"folder inside manifests": {
			breakIt: func(t *testing.T, dir, _ string) {
				if err := os.Mkdir(filepath.Join(dir, "manifests", "extra"), 0o755); err != nil {
					t.Fatal(err)
				}
			},
			wantCheck: "layout",
		},
		"invalid maintainer email": {
			breakIt: func(t *testing.T, dir, _ string) {
				edit(t, filepath.Join(dir, csvFile), "email: maintainers@ray-ha-operator.example", "email: not-an-address")
			},
			wantCheck: "operator-framework:",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			dir, dockerfile := copyBundle(t)
			tc.breakIt(t, dir, dockerfile)
			r, err := Bundle(dir, dockerfile)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range r.Errors() {
				if strings.HasPrefix(f.Check, tc.wantCheck) {
					t.Logf("found: %s", f)
					return
				}
			}
			t.Errorf("no error from check %s; errors: %v", tc.wantCheck, r.Errors())
		})
	}
}

// TestCommittedBundleHasNoErrors is the baseline the cases above break.
func TestCommittedBundleHasNoErrors(t *testing.T) {
	dir, dockerfile := copyBundle(t)
	r, err := Bundle(dir, dockerfile)
	if err != nil {
		t.Fatal(err)
	}
	if errs := r.Errors(); len(errs) > 0 {
		t.Errorf("errors in the committed bundle: %v", errs)
	}
}
