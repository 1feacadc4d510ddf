package main

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"

	rayv1 "github.com/ray-project/kuberay/ray-operator/apis/ray/v1"
	"github.com/ray-project/kuberay/ray-operator/controllers/ray/common"
	"github.com/ray-project/kuberay/ray-operator/controllers/ray/utils"
)

// AutoscalerRBAC is what the RayCluster controller's
// reconcileAutoscalerServiceAccount, reconcileAutoscalerRole and
// reconcileAutoscalerRoleBinding create for a cluster with
// enableInTreeAutoscaling (nothing without it). Embedded in Result.
type AutoscalerRBAC struct {
	// AutoscalerServiceAccount is nil when the head template names its own
	// ServiceAccount: the controller then creates none (the user must).
	AutoscalerServiceAccount *corev1.ServiceAccount `json:"autoscalerServiceAccount,omitempty"`
	AutoscalerRole           *rbacv1.Role           `json:"autoscalerRole,omitempty"`
	AutoscalerRoleBinding    *rbacv1.RoleBinding    `json:"autoscalerRoleBinding,omitempty"`
	AutoscalerRBACError      string                 `json:"autoscalerRBACError,omitempty"`
}

// buildAutoscalerRBAC builds the three objects with the names the
// controller clips them to, minus the owner reference, on a cluster none
// of them exists in yet.
func buildAutoscalerRBAC(instance *rayv1.RayCluster) (out AutoscalerRBAC) {
	if !utils.IsAutoscalingEnabled(&instance.Spec) {
		return out
	}
	account := common.RayClusterAutoscalerServiceAccountNamespacedName(instance).Name
	if instance.Spec.HeadGroupSpec.Template.Spec.ServiceAccountName != account {
		sa, err := common.BuildServiceAccount(instance)
		if err != nil {
			out.AutoscalerRBACError = fmt.Sprintf("building the ServiceAccount: %v", err)
			return out
		}
		sa.Name = utils.CheckName(sa.Name)
		out.AutoscalerServiceAccount = sa
	}
	role, err := common.BuildRole(instance)
	if err != nil {
		out.AutoscalerRBACError = fmt.Sprintf("building the Role: %v", err)
		return out
	}
	role.Name = utils.CheckName(role.Name)
	out.AutoscalerRole = role
	rb, err := common.BuildRoleBinding(instance)
	if err != nil {
		out.AutoscalerRBACError = fmt.Sprintf("building the RoleBinding: %v", err)
		return out
	}
	rb.Name = utils.CheckName(rb.Name)
	out.AutoscalerRoleBinding = rb
	return out
}
