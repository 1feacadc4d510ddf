/*
Copyright 2026 The ray-ha-operator Authors.
*/

package raycluster

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
)

// maxObjectNameLength bounds the names the chart derives from the cluster
// name: a Service name and the label values that repeat object names must
// be DNS labels of at most 63 characters.
const maxObjectNameLength = validation.DNS1123LabelMaxLength

// validateNames checks that every object name the chart derives from the
// cluster fits: the head StatefulSet (and so the head pod <name>-head-0), the
// head Service <name>-head-svc (or the name set in headService), and one
// ReplicaSet <name>-<group>-worker per worker group.
func validateNames(rc *rayv1.RayCluster) field.ErrorList {
	errs := validateClusterName(rc.Name)
	errs = append(errs, validateHeadServiceName(rc)...)
	errs = append(errs, validateGroupNames(rc.Name, rc.Spec.WorkerGroupSpecs)...)
	return errs
}

func validateClusterName(name string) field.ErrorList {
	path := field.NewPath("metadata", "name")
	var errs field.ErrorList
	if len(name) > rayv1.MaxNameLength {
		errs = append(errs, field.Invalid(path, name, fmt.Sprintf(
			"must be at most %d characters: the head StatefulSet <name>-head labels its pods with its name plus a revision hash of up to 10 characters, and a label value holds at most 63",
			rayv1.MaxNameLength)))
	}
	for _, msg := range validation.IsDNS1035Label(name) {
		errs = append(errs, field.Invalid(path, name, "names the head Service, so it "+msg))
	}
	return errs
}

// validateHeadServiceName checks a head Service name set in headService;
// the default <name>-head-svc is covered by the cluster-name rules.
func validateHeadServiceName(rc *rayv1.RayCluster) field.ErrorList {
	svc := rc.Spec.HeadGroupSpec.HeadService
	if svc == nil || svc.Name == "" {
		return nil
	}
	path := headPath.Child("headService", "metadata", "name")
	var errs field.ErrorList
	for _, msg := range validation.IsDNS1035Label(svc.Name) {
		errs = append(errs, field.Invalid(path, svc.Name, msg))
	}
	return errs
}

func validateGroupNames(cluster string, groups []rayv1.WorkerGroupSpec) field.ErrorList {
	var errs field.ErrorList
	seen := sets.New[string]()
	for i := range groups {
		path := workersPath.Index(i).Child("groupName")
		name := groups[i].GroupName
		if seen.Has(name) {
			errs = append(errs, field.Duplicate(path, name))
		}
		seen.Insert(name)
		errs = append(errs, validateGroupName(path, cluster, name)...)
	}
	return errs
}

func validateGroupName(path *field.Path, cluster, group string) field.ErrorList {
	if group == "" {
		return field.ErrorList{field.Required(path, "every worker group needs a name")}
	}
	var errs field.ErrorList
	if msgs := validation.IsDNS1123Label(group); len(msgs) > 0 {
		errs = append(errs, field.Invalid(path, group,
			"becomes part of the worker ReplicaSet name, so it must be a DNS-1123 label: "+strings.Join(msgs, "; ")))
	}
	if rs := WorkerReplicaSetName(cluster, group); len(rs) > maxObjectNameLength {
		errs = append(errs, field.Invalid(path, group, fmt.Sprintf(
			"the worker ReplicaSet name %q is %d characters; at most %d are allowed, so shorten the group or the cluster name",
			rs, len(rs), maxObjectNameLength)))
	}
	return errs
}

// WorkerReplicaSetName is the chart's name for a worker group's ReplicaSet
// (and the name of the group's Deployment in charts before it).
func WorkerReplicaSetName(cluster, group string) string {
	return cluster + "-" + group + "-worker"
}
