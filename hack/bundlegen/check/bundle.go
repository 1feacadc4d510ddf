package check

import (
	"fmt"

	"github.com/operator-framework/api/pkg/manifests"
)

// KubeVersion is the newest Kubernetes the bundle must install on: the
// deprecated-API validator turns removals up to it into errors.
const KubeVersion = "1.37.0"

// Bundle runs every check on the bundle in dir and its Dockerfile. The error
// is for a bundle that cannot even be loaded; problems are in the report
// (only the layout's when the layout is broken).
func Bundle(dir, dockerfile string) (*Report, error) {
	r := &Report{}
	// The layout first: OLM's loader stops at a folder in manifests/ and
	// reads only the first object of a file, so say so plainly.
	if err := layout(r, dir); err != nil {
		return nil, err
	}
	if len(r.Errors()) > 0 {
		return r, nil
	}
	b, err := manifests.GetBundleFromDir(dir)
	if err != nil {
		return nil, fmt.Errorf("loading bundle %s: %w", dir, err)
	}
	frameworkValidators(r, b)
	if err := metadata(r, dir, dockerfile, b); err != nil {
		return nil, err
	}
	requiredFields(r, b.CSV)
	openShiftAnnotations(r, b.CSV)
	examples(r, b)
	return r, nil
}
