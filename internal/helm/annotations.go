package helm

import (
	"strconv"

	"helm.sh/helm/v3/pkg/action"
)

// The Operator Framework's per-resource annotations that tune Helm actions.
const (
	AnnotationInstallDisableHooks   = "helm.sdk.operatorframework.io/install-disable-hooks"
	AnnotationUpgradeDisableHooks   = "helm.sdk.operatorframework.io/upgrade-disable-hooks"
	AnnotationUninstallDisableHooks = "helm.sdk.operatorframework.io/uninstall-disable-hooks"
	AnnotationUpgradeForce          = "helm.sdk.operatorframework.io/upgrade-force"
	AnnotationInstallDescription    = "helm.sdk.operatorframework.io/install-description"
	AnnotationUpgradeDescription    = "helm.sdk.operatorframework.io/upgrade-description"
	AnnotationUninstallDescription  = "helm.sdk.operatorframework.io/uninstall-description"
)

// actionAnnotations are the annotations that change what an install or
// upgrade does; they are part of the input hash.
func actionAnnotations() []string {
	return []string{
		AnnotationInstallDisableHooks, AnnotationUpgradeDisableHooks, AnnotationUpgradeForce,
		AnnotationInstallDescription, AnnotationUpgradeDescription,
	}
}

// hashedAnnotations picks the action annotations present on a resource.
func hashedAnnotations(annos map[string]string) map[string]string {
	out := map[string]string{}
	for _, k := range actionAnnotations() {
		if v, ok := annos[k]; ok {
			out[k] = v
		}
	}
	return out
}

// boolAnnotation parses like the Operator Framework: anything that is not a
// valid boolean counts as false.
func boolAnnotation(annos map[string]string, key string) bool {
	b, err := strconv.ParseBool(annos[key])
	return err == nil && b
}

func applyInstallAnnotations(in *action.Install, annos map[string]string) {
	in.DisableHooks = boolAnnotation(annos, AnnotationInstallDisableHooks)
	in.Description = annos[AnnotationInstallDescription]
}

func applyUpgradeAnnotations(up *action.Upgrade, annos map[string]string) {
	up.DisableHooks = boolAnnotation(annos, AnnotationUpgradeDisableHooks)
	up.Force = boolAnnotation(annos, AnnotationUpgradeForce)
	up.Description = annos[AnnotationUpgradeDescription]
}

func applyUninstallAnnotations(un *action.Uninstall, annos map[string]string) {
	un.DisableHooks = boolAnnotation(annos, AnnotationUninstallDisableHooks)
	un.Description = annos[AnnotationUninstallDescription]
}
