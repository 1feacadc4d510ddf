package kuberay

import (
	"fmt"
	"strings"
)

// networkAllowList: the deliberate differences in the head Service and
// Ingress (see allowList).
var networkAllowList = []allowed{
	{Field: fieldLabel, Name: "helm.sh/chart", KubeRay: absent, Reason: reasonLabels},
	{Field: fieldService, Pod: objService, Name: "publishNotReadyAddresses", KubeRay: "false", Ours: "true", Match: publishNotWritten,
		When: "a Service KubeRay does not make headless (serviceType NodePort or LoadBalancer, or a headService), " +
			"whose headService does not set publishNotReadyAddresses",
		Reason: "the head is listed before it is Ready, as in KubeRay's default headless Service: workers and their " +
			"wait-gcs-ready init containers reach a restarted head's GCS without waiting for its readiness probe"},
	{Field: fieldService, Pod: objService, Name: "headless", KubeRay: "no", Ours: "yes", Match: headlessWithHeadService,
		When: "type ClusterIP with a headService that sets no clusterIP",
		Reason: "a ClusterIP head Service is headless, as KubeRay's is without headService: renaming, labelling or " +
			"annotating it through headService does not change how workers reach the head (DNS to the head pod); " +
			"a clusterIP written in headService.spec is kept"},
	{Field: fieldServicePort, Pod: objService, Name: "gcs-server", Match: defaultPortFollowsParam, When: whenDefaultPorts, Reason: reasonDefaultPorts},
	{Field: fieldServicePort, Pod: objService, Name: "dashboard", Match: defaultPortFollowsParam, When: whenDefaultPorts, Reason: reasonDefaultPorts},
	{Field: fieldServicePort, Pod: objService, Name: "client", Match: defaultPortFollowsParam, When: whenDefaultPorts, Reason: reasonDefaultPorts},
	{Field: fieldServicePort, Pod: objService, Name: "metrics", KubeRay: "8080 -> 8080/TCP, appProtocol tcp", Match: servicePortFollowsParam,
		When:   "ours is rayStartParams' metrics-export-port",
		Reason: "the Service's metrics port is where Ray exports metrics (metrics-export-port), as the pod's; KubeRay always names 8080"},
	{Field: fieldIngress, Pod: objIngress, Name: "rule 1 path 1 backend", Match: ingressFollowsDashboardParam,
		When:   "the head container declares no ports; ours is the Service's dashboard port, rayStartParams' dashboard-port",
		Reason: "the Ingress routes to the dashboard port of the head Service, which follows dashboard-port; KubeRay's routes to 8265"},
	{Field: fieldService, Pod: objService, Name: "duplicate ports", Ours: absent,
		When: "ports written in headService repeat a name or number of the head container's ports",
		Reason: "KubeRay appends the container's ports to those written in headService even when a name or number repeats, " +
			"which the API server refuses, so KubeRay never creates the Service; ours leaves the repeated port out"},
}

const (
	whenDefaultPorts   = "the head container declares no ports; ours is the port rayStartParams set (port, dashboard-port, ray-client-server-port)"
	reasonDefaultPorts = "without declared container ports, the Service exposes the ports ray start listens on; " +
		"KubeRay's defaults 6379, 8265 and 10001 ignore rayStartParams, so its Service would reach nothing there"
)

// defaultPortParams: the ray start parameter behind each default Service
// port.
var defaultPortParams = map[string]string{"gcs-server": "port", "dashboard": "dashboard-port", "client": "ray-client-server-port"}

func param(f Facts, name string) (string, bool) {
	v, ok := f[Fact{fieldInput, inputParamPrefix + name}]
	return v, ok
}

// publishNotWritten: the user's headService does not set it.
func publishNotWritten(_ Difference, _, ours Facts) bool {
	_, written := ours[Fact{fieldInput, inputUserPublish}]
	return !written
}

// headlessWithHeadService: a ClusterIP Service from a headService that
// writes no clusterIP.
func headlessWithHeadService(_ Difference, kuberay, ours Facts) bool {
	_, ip := ours[Fact{fieldInput, inputUserClusterIP}]
	return ours[Fact{fieldInput, inputHeadService}] == "yes" && !ip &&
		kuberay[Fact{fieldService, "type"}] == "ClusterIP" && ours[Fact{fieldService, "type"}] == "ClusterIP"
}

// defaultPortFollowsParam: no container ports, and our port is the one
// rayStartParams set for it.
func defaultPortFollowsParam(d Difference, _, ours Facts) bool {
	p, ok := param(ours, defaultPortParams[d.Name])
	return ok && ours[Fact{fieldInput, inputContainerPorts}] == "no" &&
		d.Ours == fmt.Sprintf("%s -> %s/TCP, appProtocol tcp", p, p)
}

// servicePortFollowsParam: our metrics port is metrics-export-port.
func servicePortFollowsParam(d Difference, _, ours Facts) bool {
	p, ok := param(ours, "metrics-export-port")
	return ok && strings.HasPrefix(d.Ours, fmt.Sprintf("%s -> %s/", p, p))
}

// ingressFollowsDashboardParam: no container ports, and our backend port
// is dashboard-port.
func ingressFollowsDashboardParam(d Difference, _, ours Facts) bool {
	p, ok := param(ours, "dashboard-port")
	return ok && ours[Fact{fieldInput, inputContainerPorts}] == "no" && strings.HasSuffix(d.Ours, ":"+p)
}
