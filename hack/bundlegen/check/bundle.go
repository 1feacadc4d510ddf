package check

import (
	"fmt"

	"github.com/operator-framework/api/pkg/manifests"
)

// KubeVersion is the newest Kubernetes the bundle must install on: the
// deprecated-API validator turns removals up to it into errors.
const KubeVersion = "1.37.0"

// Bundle runs every check on the bundle in dir and its Dockerfile. The error
// is for a bundle that cannot even be loaded; problems are in the report.
func Bundle(dir, dockerfile string) (*Report, error) {
	b, err := manifests.GetBundleFromDir(dir)
	if err != nil {
		return nil, fmt.Errorf("loading bundle %s: %w", dir, err)
	}
	r := &Report{}
	frameworkValidators(r, b)
	if err := layout(r, dir); err != nil {
		return nil, err
	}
	if err := metadata(r, dir, dockerfile, b); err != nil {
		return nil, err
	}
	requiredFields(r, b.CSV)
	openShiftAnnotations(r, b.CSV)
	examples(r, b)
	return r, nil
}
