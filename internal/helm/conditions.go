package helm

import (
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

// Condition types written by the Helm reconciler, as the Operator Framework
// names them. The reconciler is their only writer.
const (
	// ConditionInitialized is True once the resource has been seen and its
	// finalizers are in place.
	ConditionInitialized = "Initialized"
	// ConditionDeployed is True while the last release revision is deployed.
	ConditionDeployed = "Deployed"
	// ConditionReleaseFailed is True when the last Helm action failed or a
	// stuck release had to be recovered.
	ConditionReleaseFailed = "ReleaseFailed"
	// ConditionIrreconcilable is True when the reconcile cannot proceed: a
	// hook stopped it, values could not be built, or an action failed.
	ConditionIrreconcilable = "Irreconcilable"
)

// Condition reasons, grouped by the condition they explain. They match the
// constants of api/v1 (conditions_align_test.go keeps them in step), but this
// package stays generic over the kind it reconciles.
const (
	// Initialized
	ReasonInitialized = "Initialized"

	// Deployed
	ReasonInstallSuccessful   = "InstallSuccessful"
	ReasonUpgradeSuccessful   = "UpgradeSuccessful"
	ReasonUninstallSuccessful = "UninstallSuccessful"
	ReasonReleaseNotFound     = "ReleaseNotFound"

	// ReleaseFailed
	ReasonInstallError            = "InstallError"
	ReasonUpgradeError            = "UpgradeError"
	ReasonUninstallError          = "UninstallError"
	ReasonPendingReleaseRecovered = "PendingReleaseRecovered"
	ReasonReleaseSucceeded        = "ReleaseSucceeded"

	// Irreconcilable
	ReasonErrorGettingValues       = "ErrorGettingValues"
	ReasonErrorGettingReleaseState = "ErrorGettingReleaseState"
	ReasonReconcileError           = "ReconcileError"
	ReasonPreReconcileHookFailed   = "PreReconcileHookFailed"
	ReasonReconcileSuccessful      = "ReconcileSuccessful"
)

// setCondition sets one condition in obj's status.conditions, keeping its
// lastTransitionTime unless the status flips and stamping observedGeneration.
// Conditions of other types (written by hooks) are kept as they are.
func setCondition(obj *unstructured.Unstructured, typ string, status metav1.ConditionStatus, reason, message string) error {
	conds, err := getConditions(obj)
	if err != nil {
		return err
	}
	meta.SetStatusCondition(&conds, metav1.Condition{
		Type:               typ,
		Status:             status,
		Reason:             reason,
		Message:            message,
		ObservedGeneration: obj.GetGeneration(),
	})
	return putConditions(obj, conds)
}

// getConditions reads status.conditions as metav1.Condition values.
func getConditions(obj *unstructured.Unstructured) ([]metav1.Condition, error) {
	raw, found, err := unstructured.NestedSlice(obj.Object, "status", "conditions")
	if err != nil || !found {
		return nil, err
	}
	conds := make([]metav1.Condition, 0, len(raw))
	for i, r := range raw {
		m, ok := r.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("status.conditions[%d] of %s is not an object", i, obj.GetName())
		}
		var c metav1.Condition
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(m, &c); err != nil {
			return nil, fmt.Errorf("status.conditions[%d] of %s: %w", i, obj.GetName(), err)
		}
		conds = append(conds, c)
	}
	return conds, nil
}

func putConditions(obj *unstructured.Unstructured, conds []metav1.Condition) error {
	raw := make([]any, 0, len(conds))
	for i := range conds {
		m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(&conds[i])
		if err != nil {
			return fmt.Errorf("encoding condition %s: %w", conds[i].Type, err)
		}
		raw = append(raw, m)
	}
	return unstructured.SetNestedSlice(obj.Object, raw, "status", "conditions")
}

// findCondition returns the condition of type typ, or nil.
func findCondition(obj *unstructured.Unstructured, typ string) *metav1.Condition {
	conds, err := getConditions(obj)
	if err != nil {
		return nil
	}
	return meta.FindStatusCondition(conds, typ)
}
