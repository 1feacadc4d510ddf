package helm

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
)

func TestSetCondition(t *testing.T) {
	old := metav1.NewTime(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	withConds := func(conds ...map[string]any) *unstructured.Unstructured {
		raw := make([]any, len(conds))
		for i, c := range conds {
			raw[i] = c
		}
		u := &unstructured.Unstructured{Object: map[string]any{"status": map[string]any{"conditions": raw, "head": "kept"}}}
		u.SetGeneration(7)
		return u
	}
	hookCond := map[string]any{"type": "HeadPodReady", "status": "True", "reason": "HeadPodRunningAndReady", "message": "", "lastTransitionTime": old.UTC().Format(time.RFC3339)}
	deployed := map[string]any{"type": "Deployed", "status": "True", "reason": "InstallSuccessful", "message": "m", "lastTransitionTime": old.UTC().Format(time.RFC3339)}
	tests := map[string]struct {
		obj            *unstructured.Unstructured
		status         metav1.ConditionStatus
		reason         string
		keepTransition bool
	}{
		"new condition": {obj: withConds(hookCond), status: metav1.ConditionTrue, reason: ReasonInstallSuccessful},
		"same status, new reason keeps the transition time": {
			obj: withConds(hookCond, deployed), status: metav1.ConditionTrue, reason: ReasonUpgradeSuccessful, keepTransition: true,
		},
		"status flips: new transition time": {obj: withConds(deployed), status: metav1.ConditionFalse, reason: ReasonUninstallSuccessful},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if err := setCondition(tc.obj, ConditionDeployed, tc.status, tc.reason, "msg"); err != nil {
				t.Fatal(err)
			}
			c := findCondition(tc.obj, ConditionDeployed)
			if c == nil || c.Status != tc.status || c.Reason != tc.reason || c.Message != "msg" || c.ObservedGeneration != 7 {
				t.Fatalf("condition = %+v", c)
			}
			if got := c.LastTransitionTime.Equal(&old); got != tc.keepTransition {
				t.Errorf("lastTransitionTime kept = %v, want %v", got, tc.keepTransition)
			}
			if head, _, _ := unstructured.NestedString(tc.obj.Object, "status", "head"); head != "kept" {
				t.Error("other status fields were dropped")
			}
			if name != "status flips: new transition time" && findCondition(tc.obj, "HeadPodReady") == nil {
				t.Error("a hook's condition was dropped")
			}
		})
	}
}

// TestConditionNamesMatchAPI keeps this package's condition types and
// reasons equal to the RayCluster API's, which documents them for users.
func TestConditionNamesMatchAPI(t *testing.T) {
	pairs := map[string][2]string{
		"Initialized":                    {ConditionInitialized, string(rayv1.Initialized)},
		"Deployed":                       {ConditionDeployed, string(rayv1.Deployed)},
		"ReleaseFailed":                  {ConditionReleaseFailed, string(rayv1.ReleaseFailed)},
		"Irreconcilable":                 {ConditionIrreconcilable, string(rayv1.Irreconcilable)},
		"ReasonInitialized":              {ReasonInitialized, rayv1.ReasonInitialized},
		"ReasonInstallSuccessful":        {ReasonInstallSuccessful, rayv1.ReasonInstallSuccessful},
		"ReasonUpgradeSuccessful":        {ReasonUpgradeSuccessful, rayv1.ReasonUpgradeSuccessful},
		"ReasonUninstallSuccessful":      {ReasonUninstallSuccessful, rayv1.ReasonUninstallSuccessful},
		"ReasonReleaseNotFound":          {ReasonReleaseNotFound, rayv1.ReasonReleaseNotFound},
		"ReasonInstallError":             {ReasonInstallError, rayv1.ReasonInstallError},
		"ReasonUpgradeError":             {ReasonUpgradeError, rayv1.ReasonUpgradeError},
		"ReasonUninstallError":           {ReasonUninstallError, rayv1.ReasonUninstallError},
		"ReasonPendingReleaseRecovered":  {ReasonPendingReleaseRecovered, rayv1.ReasonPendingReleaseRecovered},
		"ReasonReleaseSucceeded":         {ReasonReleaseSucceeded, rayv1.ReasonReleaseSucceeded},
		"ReasonErrorGettingValues":       {ReasonErrorGettingValues, rayv1.ReasonErrorGettingValues},
		"ReasonErrorGettingReleaseState": {ReasonErrorGettingReleaseState, rayv1.ReasonErrorGettingReleaseState},
		"ReasonReconcileError":           {ReasonReconcileError, rayv1.ReasonReconcileError},
		"ReasonPreReconcileHookFailed":   {ReasonPreReconcileHookFailed, rayv1.ReasonPreReconcileHookFailed},
		"ReasonReconcileSuccessful":      {ReasonReconcileSuccessful, rayv1.ReasonReconcileSuccessful},
	}
	for name, p := range pairs {
		t.Run(name, func(t *testing.T) {
			if p[0] != p[1] {
				t.Errorf("internal/helm says %q, api/v1 says %q", p[0], p[1])
			}
		})
	}
}
