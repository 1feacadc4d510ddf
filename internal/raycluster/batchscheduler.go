/*
Copyright 2026 The ray-ha-operator Authors.
*/

package raycluster

import (
	"fmt"
	"slices"
	"strings"
)

// BatchScheduler is the operator-wide batch scheduler Ray pods are handed
// to, as KubeRay's --batch-scheduler flag sets it. The chart reads it as the
// value operator.batchScheduler and then changes the pods (schedulerName,
// labels, annotations) and renders the PodGroup as KubeRay's plugin of the
// same name does. Empty: the default scheduler, and the scheduler labels of
// a RayCluster change nothing, as under KubeRay without the flag.
type BatchScheduler string

// The batch schedulers KubeRay v1.5 has plugins for, by its flag values.
const (
	NoBatchScheduler BatchScheduler = ""
	Volcano          BatchScheduler = "volcano"
	YuniKorn         BatchScheduler = "yunikorn"
	KaiScheduler     BatchScheduler = "kai-scheduler"
	SchedulerPlugins BatchScheduler = "scheduler-plugins"
)

// BatchSchedulers lists the accepted values, for messages and docs.
var BatchSchedulers = []BatchScheduler{Volcano, YuniKorn, KaiScheduler, SchedulerPlugins}

// RayCluster labels and annotations the batch schedulers read (KubeRay's
// names).
const (
	LabelPriorityClassName         = "ray.io/priority-class-name"
	LabelGangSchedulingEnabled     = "ray.io/gang-scheduling-enabled"
	LabelVolcanoQueue              = "volcano.sh/queue-name"
	LabelVolcanoNetworkTopology    = "volcano.sh/network-topology-mode"
	LabelVolcanoNetworkHighestTier = "volcano.sh/network-topology-highest-tier-allowed"
	LabelYuniKornAppID             = "yunikorn.apache.org/app-id"
	LabelYuniKornQueue             = "yunikorn.apache.org/queue"
	LabelKaiQueue                  = "kai.scheduler/queue"
	AnnotationYuniKornTaskGroups   = "yunikorn.apache.org/task-groups"
)

// schedulerLabels are the RayCluster labels each scheduler's KubeRay plugin
// reads, the only labels passed to the chart (as cluster.labels): every
// value is part of a release's input hash, so a label no template reads
// (app.kubernetes.io/*, a CI run id) must not re-render the release.
var schedulerLabels = map[BatchScheduler][]string{
	Volcano:          {LabelVolcanoQueue, LabelPriorityClassName, LabelVolcanoNetworkTopology, LabelVolcanoNetworkHighestTier},
	YuniKorn:         {LabelYuniKornAppID, LabelYuniKornQueue, LabelGangSchedulingEnabled},
	KaiScheduler:     {LabelKaiQueue},
	SchedulerPlugins: {LabelGangSchedulingEnabled},
}

// schedulerAnnotations are the RayCluster annotations a scheduler's plugin
// reads, passed with the chart's own annotations.
var schedulerAnnotations = map[BatchScheduler][]string{
	YuniKorn: {AnnotationYuniKornTaskGroups},
}

// ParseBatchScheduler checks a --batch-scheduler value. legacyVolcano is
// KubeRay's deprecated --enable-batch-scheduler, which means volcano; as in
// KubeRay, setting both is an error rather than a silent choice.
func ParseBatchScheduler(name string, legacyVolcano bool) (BatchScheduler, error) {
	name = strings.TrimSpace(name)
	if legacyVolcano {
		if name != "" {
			return NoBatchScheduler, fmt.Errorf("--enable-batch-scheduler (volcano) and --batch-scheduler=%s are both set; use --batch-scheduler alone", name)
		}
		return Volcano, nil
	}
	if name == "" {
		return NoBatchScheduler, nil
	}
	s := BatchScheduler(name)
	if !slices.Contains(BatchSchedulers, s) {
		return NoBatchScheduler, fmt.Errorf("batch scheduler %q is not supported; use one of %s, or none", name, batchSchedulerNames())
	}
	return s, nil
}

// ResolveBatchScheduler picks the operator's batch scheduler from the
// --batch-scheduler flag, else the environment variable (OLM subscriptions
// can set environment variables on the operator, not flags), and KubeRay's
// legacy --enable-batch-scheduler.
func ResolveBatchScheduler(flagValue, envValue string, legacyVolcano bool) (BatchScheduler, error) {
	name := flagValue
	if strings.TrimSpace(name) == "" {
		name = envValue
	}
	s, err := ParseBatchScheduler(name, legacyVolcano)
	if err != nil {
		return NoBatchScheduler, fmt.Errorf("choosing the batch scheduler: %w", err)
	}
	return s, nil
}

func batchSchedulerNames() string {
	names := make([]string, len(BatchSchedulers))
	for i, s := range BatchSchedulers {
		names[i] = string(s)
	}
	return strings.Join(names, ", ")
}

// The PodGroups the chart renders for volcano and for scheduler-plugins
// with gang scheduling, applied, watched for drift and deleted with the
// operator's identity like the chart's other objects. Rules for a kind whose
// CRD is absent are harmless: the operator only watches a kind once a
// release renders it.
// +kubebuilder:rbac:groups=scheduling.volcano.sh,resources=podgroups,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=scheduling.x-k8s.io,resources=podgroups,verbs=get;list;watch;create;update;patch;delete
