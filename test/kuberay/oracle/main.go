// Command oracle builds Ray pods with KubeRay v1.5.0's own code, as its
// RayCluster controller does, for the differential test tier
// (test/kuberay). It reads a JSON list of RayCluster objects on stdin and
// writes a JSON list of results on stdout: for each cluster, either
// KubeRay's refusal or the head pod and one pod per worker group.
//
// It is a module of its own so the operator's go.mod never depends on
// KubeRay. Run it with an empty environment: KubeRay reads feature
// switches (ENABLE_INIT_CONTAINER_INJECTION, CLUSTER_DOMAIN, ...) from it,
// and the comparison is against KubeRay's defaults.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"

	corev1 "k8s.io/api/core/v1"

	rayv1 "github.com/ray-project/kuberay/ray-operator/apis/ray/v1"
	"github.com/ray-project/kuberay/ray-operator/controllers/ray/common"
	"github.com/ray-project/kuberay/ray-operator/controllers/ray/utils"
)

// Result is what KubeRay makes of one RayCluster.
type Result struct {
	Name string `json:"name"`
	// Rejected is KubeRay's controller refusing the cluster (it then builds
	// no pods and only records an event).
	Rejected string `json:"rejected,omitempty"`
	// Error is anything else that went wrong building the pods (a decode
	// error, a panic in KubeRay's code).
	Error   string      `json:"error,omitempty"`
	Head    *corev1.Pod `json:"head,omitempty"`
	Workers []Worker    `json:"workers,omitempty"`
	// Network is the head Service and Ingress (services.go).
	Network
	// Batch is the batch scheduler's PodGroup (batch.go).
	Batch
	// AutoscalerRBAC is the autoscaler's ServiceAccount, Role and
	// RoleBinding (autoscaler.go).
	AutoscalerRBAC
}

// Worker is the pod KubeRay builds for one worker group.
type Worker struct {
	Group string     `json:"group"`
	Pod   corev1.Pod `json:"pod"`
}

func main() {
	flag.Parse()
	var raw []json.RawMessage
	if err := json.NewDecoder(os.Stdin).Decode(&raw); err != nil {
		fmt.Fprintf(os.Stderr, "oracle: reading a JSON list of RayClusters on stdin: %v\n", err)
		os.Exit(2)
	}
	// KubeRay prints to stdout in places (utils.CheckName on a long name):
	// keep stdout for the results alone.
	out := os.Stdout
	os.Stdout = os.Stderr
	results := make([]Result, 0, len(raw))
	for i, r := range raw {
		results = append(results, build(i, r))
	}
	enc := json.NewEncoder(out)
	enc.SetIndent("", "  ")
	if err := enc.Encode(results); err != nil {
		fmt.Fprintf(os.Stderr, "oracle: writing results: %v\n", err)
		os.Exit(2)
	}
}

// build decodes one cluster and builds its pods; a failure is recorded in
// the result, never a crash, so one odd spec does not hide the others.
func build(index int, raw json.RawMessage) (res Result) {
	res.Name = fmt.Sprintf("#%d", index)
	defer func() {
		if p := recover(); p != nil {
			res.Head, res.Workers, res.AutoscalerRBAC = nil, nil, AutoscalerRBAC{}
			res.Error = fmt.Sprintf("KubeRay's pod builder panicked: %v", p)
		}
	}()
	var rc rayv1.RayCluster
	if err := json.Unmarshal(raw, &rc); err != nil {
		res.Error = fmt.Sprintf("decoding RayCluster: %v", err)
		return res
	}
	res.Name = rc.Name
	applyCRDDefaults(&rc)
	if msg := validate(&rc); msg != "" {
		res.Rejected = msg
		return res
	}
	res.Network = buildNetwork(rc.DeepCopy())
	res.AutoscalerRBAC = buildAutoscalerRBAC(rc.DeepCopy())
	head := buildHeadPod(rc.DeepCopy())
	res.Head = &head
	for i := range rc.Spec.WorkerGroupSpecs {
		inst := rc.DeepCopy()
		group := inst.Spec.WorkerGroupSpecs[i]
		res.Workers = append(res.Workers, Worker{Group: group.GroupName, Pod: buildWorkerPod(inst, group)})
	}
	applyBatchScheduler(&rc, &res)
	return res
}

// applyCRDDefaults sets what the API server's CRD schema defaults before
// KubeRay ever sees the object (the +kubebuilder:default markers of the
// fields the pod builder reads), then what the controller's setDefaults
// does at the start of each reconcile: nil rayStartParams become empty maps
// (the pod builder writes into them).
func applyCRDDefaults(rc *rayv1.RayCluster) {
	if rc.Namespace == "" {
		rc.Namespace = "default"
	}
	if rc.Spec.HeadGroupSpec.RayStartParams == nil {
		rc.Spec.HeadGroupSpec.RayStartParams = map[string]string{}
	}
	for i := range rc.Spec.WorkerGroupSpecs {
		w := &rc.Spec.WorkerGroupSpecs[i]
		if w.NumOfHosts == 0 {
			w.NumOfHosts = 1
		}
		if w.RayStartParams == nil {
			w.RayStartParams = map[string]string{}
		}
	}
}

// validate runs the checks KubeRay's controller runs before it builds any
// pod; a cluster they refuse gets no pods.
func validate(rc *rayv1.RayCluster) string {
	if err := utils.ValidateRayClusterMetadata(rc.ObjectMeta); err != nil {
		return err.Error()
	}
	if err := utils.ValidateRayClusterSpec(&rc.Spec, rc.Annotations); err != nil {
		return err.Error()
	}
	return ""
}

// buildHeadPod follows RayClusterReconciler.buildHeadPod with the default
// reconciler options (no head sidecars, no default container envs), minus
// the owner reference. The batch scheduler createHeadPod would consult is
// applied afterwards (batch.go).
func buildHeadPod(instance *rayv1.RayCluster) corev1.Pod {
	ctx := context.Background()
	podName := utils.PodName(instance.Name, rayv1.HeadNode, !utils.IsDeterministicHeadPodNameEnabled())
	fqdnRayIP := utils.GenerateFQDNServiceName(ctx, *instance, instance.Namespace)
	headPort := common.GetHeadPort(instance.Spec.HeadGroupSpec.RayStartParams)
	autoscaling := utils.IsAutoscalingEnabled(&instance.Spec)
	podConf := common.DefaultHeadPodTemplate(ctx, *instance, instance.Spec.HeadGroupSpec, podName, headPort)
	creator := utils.GetCRDType(instance.Labels[utils.RayOriginatedFromCRDLabelKey])
	return common.BuildPod(ctx, podConf, rayv1.HeadNode, instance.Spec.HeadGroupSpec.RayStartParams, headPort, autoscaling, creator, fqdnRayIP, nil)
}

// buildWorkerPod follows RayClusterReconciler.buildWorkerPod as its
// createWorkerPod calls it with the default feature gates
// (RayMultiHostIndexing off): no replica group name, replica 0, host 0.
func buildWorkerPod(instance *rayv1.RayCluster, worker rayv1.WorkerGroupSpec) corev1.Pod {
	ctx := context.Background()
	podName := utils.PodName(fmt.Sprintf("%s-%s", instance.Name, worker.GroupName), rayv1.WorkerNode, true)
	fqdnRayIP := utils.GenerateFQDNServiceName(ctx, *instance, instance.Namespace)
	headPort := common.GetHeadPort(instance.Spec.HeadGroupSpec.RayStartParams)
	autoscaling := utils.IsAutoscalingEnabled(&instance.Spec)
	tmpl := common.DefaultWorkerPodTemplate(ctx, *instance, worker, podName, fqdnRayIP, headPort, "", 0, 0)
	creator := utils.GetCRDType(instance.Labels[utils.RayOriginatedFromCRDLabelKey])
	return common.BuildPod(ctx, tmpl, rayv1.WorkerNode, worker.RayStartParams, headPort, autoscaling, creator, fqdnRayIP, nil)
}
