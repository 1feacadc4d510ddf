package testbin

import (
	"path/filepath"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// EnvtestOptions tunes StartEnvtest.
type EnvtestOptions struct {
	// CRDDirs are folders of CRD manifests to install, relative to the
	// module root (e.g. "config/crd/bases"). Missing folders fail the test.
	CRDDirs []string
	// CRDs are extra CRD objects to install.
	CRDs []*apiextensionsv1.CustomResourceDefinition
}

// StartEnvtest starts a real etcd and kube-apiserver for the test and stops
// them when it ends. Tests are skipped with -short.
func StartEnvtest(t testing.TB, opts EnvtestOptions) (*envtest.Environment, *rest.Config) {
	t.Helper()
	if testing.Short() {
		t.Skip("envtest tier: skipped with -short")
	}
	dir, err := Dir()
	if err != nil {
		t.Fatal(err)
	}
	root, err := ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	env := &envtest.Environment{
		BinaryAssetsDirectory: dir,
		ErrorIfCRDPathMissing: true,
		CRDs:                  opts.CRDs,
	}
	for _, d := range opts.CRDDirs {
		env.CRDDirectoryPaths = append(env.CRDDirectoryPaths, filepath.Join(root, d))
	}
	cfg, err := env.Start()
	if err != nil {
		t.Fatalf("starting envtest: %v", err)
	}
	t.Cleanup(func() {
		if err := env.Stop(); err != nil {
			t.Logf("stopping envtest: %v", err)
		}
	})
	return env, cfg
}
