package main

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"

	rayv1 "github.com/ray-project/kuberay/ray-operator/apis/ray/v1"
	"github.com/ray-project/kuberay/ray-operator/controllers/ray/common"
	"github.com/ray-project/kuberay/ray-operator/controllers/ray/utils"
)

// Network is the head Service KubeRay creates for a cluster it accepts,
// the head Ingress when headGroupSpec.enableIngress is true, and the
// headless worker Service when a worker group has numOfHosts > 1.
// Embedded in Result, so its fields sit beside the pods in the JSON.
type Network struct {
	HeadService           *corev1.Service       `json:"headService,omitempty"`
	HeadIngress           *networkingv1.Ingress `json:"headIngress,omitempty"`
	WorkerHeadlessService *corev1.Service       `json:"workerHeadlessService,omitempty"`
	// NetworkError is KubeRay refusing to build either object (its
	// controller then retries and never creates it).
	NetworkError string `json:"networkError,omitempty"`
}

// buildNetwork builds the objects as the RayCluster controller's
// reconcileHeadService, reconcileHeadlessService and reconcileIngress do on plain Kubernetes (on
// OpenShift KubeRay makes a Route instead; not compared).
func buildNetwork(instance *rayv1.RayCluster) Network {
	var n Network
	svc, err := buildHeadService(instance)
	if err != nil {
		n.NetworkError = err.Error()
		return n
	}
	n.HeadService = svc
	n.WorkerHeadlessService = buildWorkerHeadlessService(instance)
	if e := instance.Spec.HeadGroupSpec.EnableIngress; e == nil || !*e {
		return n
	}
	ing, err := common.BuildIngressForHeadService(context.Background(), *instance)
	if err != nil {
		n.NetworkError = fmt.Sprintf("building the head Ingress: %v", err)
		return n
	}
	n.HeadIngress = ing
	return n
}

// buildHeadService passes what reconcileHeadService passes: the head
// template's app.kubernetes.io/name label, if any, as the only label, and a
// copy of headServiceAnnotations. A Service without ports is refused there.
func buildHeadService(instance *rayv1.RayCluster) (*corev1.Service, error) {
	labels := map[string]string{}
	if v, ok := instance.Spec.HeadGroupSpec.Template.Labels[utils.KubernetesApplicationNameLabelKey]; ok {
		labels[utils.KubernetesApplicationNameLabelKey] = v
	}
	annotations := map[string]string{}
	for k, v := range instance.Spec.HeadServiceAnnotations {
		annotations[k] = v
	}
	svc, err := common.BuildServiceForHeadPod(context.Background(), *instance, labels, annotations)
	if err != nil {
		return nil, fmt.Errorf("building the head Service: %w", err)
	}
	if len(svc.Spec.Ports) == 0 {
		return nil, fmt.Errorf("ray head service does not have any ports set up")
	}
	return svc, nil
}

// buildWorkerHeadlessService is reconcileHeadlessService's object: made
// only when some worker group has more than one host per replica.
func buildWorkerHeadlessService(instance *rayv1.RayCluster) *corev1.Service {
	for _, g := range instance.Spec.WorkerGroupSpecs {
		if g.NumOfHosts > 1 {
			return common.BuildHeadlessServiceForRayCluster(*instance)
		}
	}
	return nil
}
