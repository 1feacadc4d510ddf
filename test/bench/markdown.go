/*
Copyright 2026 The ray-ha-operator Authors.
*/

package bench

import (
	"fmt"
	"sort"
	"strings"
)

// Markdown renders the operator sections of docs/benchmarks.md; the bench
// also prints it as its tables.
func Markdown(r *Result) string {
	var b strings.Builder
	writeHeader(&b, r)
	writeBudgets(&b, r)
	writeRecovery(&b, r)
	writeSteady(&b, r)
	writeScale(&b, r)
	return b.String()
}

func writeHeader(b *strings.Builder, r *Result) {
	m, v := r.Machine, r.Versions
	fmt.Fprintf(b, "## Operator: head recovery, reconcile cost and scale\n\n")
	fmt.Fprintf(b, "Measured by `%s` on %s (commit %s, %.0f s in all).\n\n", r.Command, r.Started.Format("2006-01-02 15:04 MST"), orDash(v.Commit), r.DurationSeconds)
	fmt.Fprintf(b, "- Machine: %d CPUs (%s), %.1f GiB memory, Linux %s; shared with other work while measured.\n", m.CPUs, orDash(m.CPUModel), m.MemGiB, orDash(m.Kernel))
	fmt.Fprintf(b, "- Versions: Kubernetes %s (etcd, kube-apiserver, kube-controller-manager, kube-scheduler built by `make testbin`), kwok playing %d nodes' kubelets, Helm %s, controller-runtime %s, redis-server %s, %s.\n",
		orDash(v.Kubernetes), r.Settings.Nodes, orDash(v.Helm), orDash(v.ControllerRuntime), orDash(v.Redis), v.Go)
	fmt.Fprintf(b, "- The operator runs inside the bench process, built by `operator.SetupRayCluster` as `main.go` builds it, with the RayCluster entry of `watches.yaml` and `main.go`'s defaults (client rate limit %v/s, burst %d per client; the fleet brake without its force-delete budget, since the bench forces heads on purpose); a wrapping transport counts its API requests. Its CPU and memory are the process's, which also holds the bench's driver (one client and a few watches).\n", r.Settings.OperatorQPS, r.Settings.OperatorBurst)
	fmt.Fprintf(b, "- Reproduce: `make bench` (defaults: %d runs per mode, %d reconciles per path, %d clusters); `make bench BENCH_ARGS='-clusters 1000'` for the large run; `go run ./test/bench/cmd/bench -h` lists the flags.\n\n",
		DefaultConfig().Runs, DefaultConfig().Reconciles, DefaultConfig().Scale)
}

func writeBudgets(b *strings.Builder, r *Result) {
	b.WriteString("### Budgets (design, section 6)\n\n| budget | limit | measured | met |\n|---|---|---|---|\n")
	for _, x := range r.Budgets {
		fmt.Fprintf(b, "| %s | %s | %s | %s |\n", x.Name, x.Limit, x.Actual, yesNo(x.Met))
	}
	b.WriteString("\n")
}

func writeRecovery(b *strings.Builder, r *Result) {
	s := r.Settings
	fmt.Fprintf(b, "### Recovery latency per failure mode\n\n")
	fmt.Fprintf(b, "%d runs per mode, each on a fresh RayCluster (one head, one worker, GCS fault tolerance on the redis-server) that is Ready before its head fails. "+
		"Times are seconds, taken when the bench's watches (pods, RayClusters, nodes) receive the event, from the first event that shows the failure: "+
		"the head's deletionTimestamp, phase Failed, its container not Ready, or the node's Ready condition leaving True. "+
		"The force-delete is timed from the moment the operator's own rule allows it (deletionTimestamp + stuck-Terminating grace %.0f s; node NotReady transition + node-lost grace %.0f s), "+
		"so the configured grace is not counted as latency; the other rows include it. "+
		"The simulated kubelet restarts an exited container %.0f s after it exits. Rows marked **operator** are the operator's own share (the budget).\n\n",
		s.Runs, s.StuckGraceSeconds, s.NodeLostGraceSeconds, s.RestartDelaySeconds)
	if hasMode(r, failoverMode) {
		fmt.Fprintf(b, "In the last mode two operators run with leader election and the shipped lease timings (lease %.0f s); "+
			"the leader is stopped without releasing the Lease, as a crash leaves it, at the moment the head's node is killed "+
			"(node-monitor grace %.0f s), so only the standby can recover the head, once the dead leader's lease has run out. "+
			"Its force-delete row is timed from the moment the node-lost grace allowed it, so it is the wait for the Lease: what losing the leader adds.\n\n",
			s.LeaseDurationSeconds, s.NodeMonitorGraceSeconds)
	}
	b.WriteString("| failure | milestone | from | p50 | p90 | p99 | max |\n|---|---|---|---|---|---|---|\n")
	for _, m := range r.Recovery {
		for _, x := range m.Metrics {
			name := x.Milestone
			if x.OperatorAttributable {
				name = "**operator**: " + name
			}
			fmt.Fprintf(b, "| %s | %s | %s | %.3f | %.3f | %.3f | %.3f |\n", m.Title, name, x.From, x.Seconds.P50, x.Seconds.P90, x.Seconds.P99, x.Seconds.Max)
		}
	}
	b.WriteString("\n\"detected\" is the operator's HeadRecovering condition turning True; \"recovery recorded\" is it turning False again (status.recovery updated, " +
		"the `rayha_head_recovery_seconds` histogram observed). Where Kubernetes replaces the head (deleted, Failed) the StatefulSet controller creates the new pod; " +
		"where the head is stuck (Terminating on a live or a lost node) only the operator's force-delete lets it.\n\n")
}

func hasMode(r *Result, name string) bool {
	for _, m := range r.Recovery {
		if m.Mode == name {
			return true
		}
	}
	return false
}

func writeSteady(b *strings.Builder, r *Result) {
	b.WriteString("### Steady-state reconcile of an unchanged RayCluster\n\n")
	b.WriteString("One Ready, settled RayCluster (one head, two workers); the operator's `Reconcile` called back to back with nothing changed. " +
		"Fast path: the inputs' hash matches the release, so Helm is skipped and drift is checked from the cache. " +
		"Full check: `FullCheckInterval` of 1 ns makes every reconcile do Helm's dry-run upgrade, as the first reconcile after a start and one per reconcile period do. " +
		"CPU and allocations are the process's, divided by the number of reconciles.\n\n")
	b.WriteString("| path | reconciles | API requests / reconcile | writes / reconcile | CPU ms / reconcile | allocations / reconcile | KiB allocated / reconcile | RayCluster written |\n|---|---|---|---|---|---|---|---|\n")
	for _, s := range r.Steady {
		fmt.Fprintf(b, "| %s | %d | %.1f | %.1f | %.2f | %.0f | %.0f | %s |\n", s.Path, s.Reconciles, s.Requests, s.Writes, s.CPUMillis, s.Allocs, s.AllocKiB, yesNo(s.ClusterWritten))
	}
	b.WriteString("\nRequests by verb and resource, over all reconciles of the path:\n\n| path | verb | resource | requests |\n|---|---|---|---|\n")
	for _, s := range r.Steady {
		if len(s.ByRequest) == 0 {
			fmt.Fprintf(b, "| %s | - | - | 0 |\n", s.Path)
		}
		for _, q := range s.ByRequest {
			fmt.Fprintf(b, "| %s | %s | %s | %d |\n", s.Path, q.Verb, q.Resource, q.Count)
		}
	}
	b.WriteString("\n")
}

func writeScale(b *strings.Builder, r *Result) {
	if len(r.Scale) == 0 {
		return
	}
	b.WriteString("### Scale\n\n")
	b.WriteString("K RayClusters (one head, two workers, GCS fault tolerance on the same redis-server) created at once under a freshly started operator; " +
		"\"all Ready\" runs from the first create to the last cluster's state `ready`. CPU is the process's CPU time over that span; peak heap (Go heap in use) and " +
		"peak RSS are sampled every 250 ms (RSS is the whole process and never shrinks much once grown, so the larger stage also carries the smaller one's high-water mark); " +
		"\"heap after GC\" is the live heap once all are Ready. Requests are the operator's, until all were Ready. " +
		"Then one head is deleted with all K present: detection and new head Ready, from the deletion. Each stage is removed through the operator before the next.\n\n")
	b.WriteString("| clusters | all Ready (s) | CPU (s) | peak heap (MiB) | peak RSS (MiB) | heap after GC (MiB) | goroutines | operator's API requests | of which writes | API server served (all clients) | one recovery: detected (s) | one recovery: Ready (s) |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, s := range r.Scale {
		fmt.Fprintf(b, "| %d | %.1f | %.1f | %.0f | %.0f | %.0f | %d | %d | %d | %d | %.3f | %.3f |\n", s.Clusters, s.AllReadySeconds, s.CPUSeconds,
			s.PeakHeapMiB, s.PeakRSSMiB, s.HeapAfterGCMiB, s.Goroutines, s.Requests, s.Writes, s.APIServerRequests, s.RecoveryDetectedSeconds, s.RecoveryReadySeconds)
	}
	if len(r.Scale) > 1 {
		small, big := r.Scale[0], r.Scale[len(r.Scale)-1]
		fmt.Fprintf(b, "\nGrowth from %d to %d clusters (x%.0f is linear):", small.Clusters, big.Clusters, float64(big.Clusters)/float64(small.Clusters))
		for _, g := range growths(small, big) {
			if g.small > 0 {
				fmt.Fprintf(b, " %s x%.2f;", g.name, g.big/g.small)
			}
		}
		fmt.Fprintf(b, " per cluster: %.1f requests and %.3f CPU s at %d, %.1f and %.3f at %d.\n",
			float64(small.Requests)/float64(small.Clusters), small.CPUSeconds/float64(small.Clusters), small.Clusters,
			float64(big.Requests)/float64(big.Clusters), big.CPUSeconds/float64(big.Clusters), big.Clusters)
	}
	big := r.Scale[len(r.Scale)-1]
	fmt.Fprintf(b, "\nThe operator's requests with %d clusters, by verb and resource (largest first):\n\n| verb | resource | requests | per cluster |\n|---|---|---|---|\n", big.Clusters)
	rows := append([]RequestCount(nil), big.ByRequest...)
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].Count > rows[j].Count })
	for _, q := range rows {
		fmt.Fprintf(b, "| %s | %s | %d | %.2f |\n", q.Verb, q.Resource, q.Count, float64(q.Count)/float64(big.Clusters))
	}
	b.WriteString("\n")
}

func yesNo(v bool) string {
	if v {
		return "yes"
	}
	return "no"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
