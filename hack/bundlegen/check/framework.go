package check

import (
	"github.com/operator-framework/api/pkg/manifests"
	"github.com/operator-framework/api/pkg/validation"
)

// frameworkValidators runs operator-framework/api's validators: the default
// bundle set (CSV, CRD, bundle) and the optional ones OperatorHub's and
// OpenShift's pipelines select, and the object validator (PDBs, SCCs).
func frameworkValidators(r *Report, b *manifests.Bundle) {
	validators := validation.DefaultBundleValidators.WithValidators(
		validation.OperatorHubV2Validator,
		validation.StandardCapabilitiesValidator,
		validation.StandardCategoriesValidator,
		validation.AlphaDeprecatedAPIsValidator,
		validation.GoodPracticesValidator,
		validation.ObjectValidator,
	)
	objs := append(b.ObjectsToValidate(), map[string]string{"k8s-version": KubeVersion})
	for _, res := range validators.Validate(objs...) {
		for _, e := range res.Errors {
			r.add(Error, "operator-framework:"+res.Name, "%s", e.Error())
		}
		for _, w := range res.Warnings {
			r.add(Warning, "operator-framework:"+res.Name, "%s", w.Error())
		}
	}
}
