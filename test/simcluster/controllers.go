package simcluster

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// kubeControllers are the kube-controller-manager controllers a Ray cluster
// on the simulation relies on: workloads (Deployment, ReplicaSet,
// StatefulSet), owner-reference clean-up, node health with taint-based
// eviction, namespace deletion, default ServiceAccounts (pods are not
// admitted without one) with the root CA ConfigMap their token volume
// mounts, aggregated RBAC roles, Service endpoints, clean-up of pods on
// deleted nodes, and ResourceQuota usage (without it a quota's status stays
// empty and the quota bounds nothing), and PodDisruptionBudget status (the
// disruption controller: without it every eviction is refused). The legacy ServiceAccount token Secret controller is left
// out: TokenRequest, served by the API server, issues tokens.
var kubeControllers = []string{
	"deployment-controller",
	"replicaset-controller",
	"statefulset-controller",
	"garbage-collector-controller",
	"node-lifecycle-controller",
	"taint-eviction-controller",
	"namespace-controller",
	"serviceaccount-controller",
	"root-ca-certificate-publisher-controller",
	"clusterrole-aggregation-controller",
	"endpointslice-controller",
	"endpoints-controller",
	"pod-garbage-collector-controller",
	"resourcequota-controller",
	"disruption-controller",
}

// startControllerManager runs kube-controller-manager with short node
// health timings. It serves no port (--secure-port=0), so clusters never
// compete for one.
func (c *Cluster) startControllerManager() (*process, error) {
	kubeconfig := filepath.Join(c.dir, "kube-controller-manager.kubeconfig")
	if err := writeKubeconfig(kubeconfig, c.server, c.pki.caCertPEM, userControllerManager, c.creds.tokens[userControllerManager]); err != nil {
		return nil, err
	}
	args := []string{
		"--kubeconfig=" + kubeconfig,
		"--controllers=" + strings.Join(kubeControllers, ","),
		"--use-service-account-credentials=false",
		"--root-ca-file=" + c.pki.caCertFile,
		"--leader-elect=false",
		"--secure-port=0",
		"--node-monitor-period=" + c.opts.NodeMonitorPeriod.String(),
		"--node-monitor-grace-period=" + c.opts.NodeMonitorGracePeriod.String(),
		// One lost node per second is tainted NoExecute instead of one per
		// ten seconds, so a test that loses two nodes does not wait on the
		// rate limiter.
		"--node-eviction-rate=1",
		"--kube-api-qps=200",
		"--kube-api-burst=400",
		"--concurrent-deployment-syncs=20",
		"--concurrent-replicaset-syncs=20",
		"--concurrent-statefulset-syncs=20",
	}
	return c.startComponent("kube-controller-manager", "kube-controller-manager", args, nil)
}

// schedulerConfig sets the client rate limits that have no flag any more,
// and turns leader election off (one scheduler per cluster).
const schedulerConfig = `apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
clientConnection:
  kubeconfig: %q
  qps: 200
  burst: 400
leaderElection:
  leaderElect: false
`

func (c *Cluster) startScheduler() (*process, error) {
	kubeconfig := filepath.Join(c.dir, "kube-scheduler.kubeconfig")
	if err := writeKubeconfig(kubeconfig, c.server, c.pki.caCertPEM, userScheduler, c.creds.tokens[userScheduler]); err != nil {
		return nil, err
	}
	config := filepath.Join(c.dir, "kube-scheduler.yaml")
	if err := os.WriteFile(config, fmt.Appendf(nil, schedulerConfig, kubeconfig), 0o600); err != nil {
		return nil, fmt.Errorf("writing scheduler configuration: %w", err)
	}
	return c.startComponent("kube-scheduler", "kube-scheduler", []string{"--config=" + config, "--secure-port=0"}, nil)
}
