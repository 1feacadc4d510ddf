/*
Copyright 2026 The ray-ha-operator Authors.
*/

package harness

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
)

// FindCondition returns the RayCluster's condition of type t, nil when it
// has none.
func FindCondition(rc *rayv1.RayCluster, t rayv1.RayClusterConditionType) *metav1.Condition {
	return meta.FindStatusCondition(rc.Status.Conditions, string(t))
}

// ConditionIs reports whether the RayCluster's condition t has status s.
func ConditionIs(rc *rayv1.RayCluster, t rayv1.RayClusterConditionType, s metav1.ConditionStatus) bool {
	c := FindCondition(rc, t)
	return c != nil && c.Status == s
}

// ConditionSummary is "Type=Status/Reason@15:04:05 ..." for observations
// and failure messages.
func ConditionSummary(rc *rayv1.RayCluster) string {
	parts := make([]string, 0, len(rc.Status.Conditions))
	for _, c := range rc.Status.Conditions {
		parts = append(parts, fmt.Sprintf("%s=%s/%s@%s", c.Type, c.Status, c.Reason, c.LastTransitionTime.Format("15:04:05")))
	}
	return strings.Join(parts, " ")
}
