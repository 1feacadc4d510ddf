/*
Copyright 2026 The ray-ha-operator Authors.
*/

// Package harness is the one layer every test tier builds on, above the
// toolkit (simcluster, prockubelet, redisserver, operatorproc, testbin,
// freeport). It imports nothing of the operator's own packages, so the
// tests inside internal/helm and internal/chart use it too.
//
//   - Waiting: Eventually (tests) and Wait (programs) check a Condition
//     every PollInterval; a timeout reports the condition's last
//     observation, an error from the condition ends the wait at once.
//   - Pods: PodReady, PodRunningReady, and the Set* functions that write
//     what a kubelet reports (Running and Ready, crash loop, exited, not
//     Ready, failed) for pods whose status the test owns.
//   - The kubelet loop for kwok-only runs: RunKubelet (until a context
//     ends) and StartKubelet (until the test ends) make the bound, pending
//     pods kwok leaves to the test Running and Ready.
//   - RayClusters: NewRayCluster builds a KubeRay-shaped cluster from
//     ClusterOptions; FindCondition, ConditionIs and ConditionSummary read
//     its conditions; Scheme is the test client's scheme.
//   - The operator binary: Binaries starts processes of the binary built
//     from main.go, one log each, and logs the last two when the test
//     fails; WriteKubeconfig points them at an envtest API server.
//     Programs that are not tests (the demo) start it with
//     StartOperatorProcess: endpoints on free ports, ready when /readyz
//     answers, and While ends a wait at once when the operator exits.
//   - Metrics: ScrapeMetrics reads /metrics over HTTPS with a bearer token,
//     as the operator serves it by default (--metrics-secure);
//     HistogramByLabel reads a histogram's Observations from scraped or
//     gathered families.
//   - KubeRay: KubeRayBinary finds KubeRay's real operator (`make kuberay`,
//     KUBERAY_OPERATOR) and fails under CI=true without it; KubeRayCRDDir
//     reads its CRDs from the module cache; StartKubeRay runs it as a
//     process with leader election on, stopped with SIGTERM.
//   - Heads: WatchHeads follows a cluster's head pods, whoever made them,
//     event by event, and reports every moment two were alive at once.
//
// Ports come from test/freeport. Package simenv adds the simulated cluster
// with the operator in the test process (wired by internal/operator.New,
// the code main.go runs) and the convergence checks.
package harness
