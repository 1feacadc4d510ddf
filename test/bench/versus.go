/*
Copyright 2026 The ray-ha-operator Authors.
*/

package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"

	"github.com/ray-ha-operator/ray-ha-operator/internal/raycluster"
	"github.com/ray-ha-operator/ray-ha-operator/test/harness"
	"github.com/ray-ha-operator/ray-ha-operator/test/simcluster"
)

// VersusResult is one size of the versus phase: KubeRay's operator and
// this one, each on a fresh simulated cluster of its own, creating the same
// K RayClusters.
type VersusResult struct {
	// Started, Command and Commit say which run measured it: a run of the
	// versus phase alone keeps an older run's other results beside it.
	Started  time.Time `json:"started"`
	Command  string    `json:"command"`
	Commit   string    `json:"commit,omitempty"`
	Clusters int       `json:"clusters"`
	Nodes    int       `json:"nodes"`
	// CreateConcurrency is how many creates the bench has in flight.
	CreateConcurrency int        `json:"createConcurrency"`
	KubeRay           VersusSide `json:"kuberay"`
	Ours              VersusSide `json:"rayHAOperator"`
	// Recovery is one head of this operator's deleted during the burst.
	Recovery *BurstRecovery `json:"recoveryDuringBurst,omitempty"`
}

// VersusSide is what one operator's run measured, from the first create
// until every cluster was ready.
type VersusSide struct {
	Operator string   `json:"operator"`
	Args     []string `json:"args"`
	// AllRunningSeconds: until all 2K pods were Running; AllReadySeconds:
	// until all K RayClusters had status.state ready.
	AllRunningSeconds float64 `json:"allRunningSeconds"`
	AllReadySeconds   float64 `json:"allReadySeconds"`
	// The operator process's CPU (utime + stime) over the span, its
	// resident set sampled every rssSampleEvery and its lifetime
	// high-water mark (VmHWM).
	CPUSeconds float64 `json:"cpuSeconds"`
	PeakRSSMiB float64 `json:"peakRSSMiB"`
	VmHWMMiB   float64 `json:"vmHWMMiB"`
	// The operator's API requests, from the audit log.
	Requests  int64          `json:"requests"`
	Writes    int64          `json:"writes"`
	ByRequest []RequestCount `json:"byRequest"`
	// kube-controller-manager over the same span.
	ControllerManagerCPUSeconds float64        `json:"controllerManagerCPUSeconds"`
	ControllerManagerRequests   int64          `json:"controllerManagerRequests"`
	ControllerManagerWrites     int64          `json:"controllerManagerWrites"`
	ControllerManagerByRequest  []RequestCount `json:"controllerManagerByRequest"`
	APIServerCPUSeconds         float64        `json:"apiserverCPUSeconds"`
	// Pod creation: from a RayCluster's create to its pods' (seen through
	// a watch); where pods come from a StatefulSet or ReplicaSet, from the
	// RayCluster to that object and from that object to its pod.
	ClusterToPod   Summary `json:"clusterToPodSeconds"`
	ClusterToOwner Summary `json:"clusterToWorkloadSeconds"`
	OwnerToPod     Summary `json:"workloadToPodSeconds"`
}

// BurstRecovery is a head recovery started during the creation burst.
type BurstRecovery struct {
	Cluster string `json:"cluster"`
	// DelaySeconds is how long after the first create the head was deleted
	// (and left stuck Terminating).
	DelaySeconds float64 `json:"delaySeconds"`
	// Detected: the operator marked the recovery (HeadRecovering True).
	Detected        bool    `json:"detected"`
	DetectedSeconds float64 `json:"detectedSeconds"`
	// ForceDeleteSeconds: from the stuck grace's end (the operator's rule
	// allowing it) to the old head gone, the operator's own share.
	ForceDeleteSeconds float64 `json:"forceDeleteSeconds"`
	ReadySeconds       float64 `json:"newHeadReadySeconds"`
	Error              string  `json:"error,omitempty"`
	// Budget holds detection to the bench's recovery budget.
	Budget *Budget `json:"budget,omitempty"`
}

const (
	// createConcurrency is the bench's creates in flight, for both.
	createConcurrency = 10
	rssSampleEvery    = 200 * time.Millisecond
	// recoveryDelay is when, into the burst, the head is deleted.
	recoveryDelay = 1500 * time.Millisecond
	versusNS      = "versus"
	// burstRecoveryMode is the failure injected during the burst: a head
	// stuck Terminating, which only the operator's force-delete (through
	// its remediation client, after the stuck grace) ends, so that the
	// recovery measures the operator while it creates K clusters.
	burstRecoveryMode = "stuck-terminating"
)

// versusOperator is one of the two operators.
type versusOperator struct {
	name string
	// start runs the operator against e's cluster, its log at logPath.
	start func(ctx context.Context, e *env, home, logPath string) (*harness.OperatorProcess, []string, error)
	// crdDir is where its CRDs are.
	crdDir string
	// recover: delete a head during the burst (this operator only: its
	// recovery is what the bench's budget is about).
	recover bool
}

// runVersus runs both operators at each size, KubeRay first.
// The Kubernetes version, when no other phase read it, is read from the
// first cluster into versions.
func runVersus(ctx context.Context, cfg Config, logDir string, versions *Versions) ([]VersusResult, error) {
	ops, err := versusOperators(ctx, cfg)
	if err != nil {
		return nil, err
	}
	var out []VersusResult
	for _, k := range cfg.Versus {
		nodes := cfg.nodesFor(k)
		res := VersusResult{Clusters: k, Nodes: nodes, CreateConcurrency: createConcurrency}
		for i, op := range ops {
			cfg.Log("versus %d: %s on a fresh simulated cluster of %d nodes", k, op.name, nodes)
			dir := filepath.Join(cfg.Dir, fmt.Sprintf("versus-%d-%d", k, i))
			side, rec, err := versusRun(ctx, cfg, op, dir, filepath.Join(logDir, fmt.Sprintf("versus-%d-%d.log", k, i)), k, nodes, versions)
			if err != nil {
				return out, fmt.Errorf("versus, %d clusters, %s: %w", k, op.name, err)
			}
			cfg.Log("versus %d: %s: all Running %.1fs, all ready %.1fs, CPU %.1fs, peak RSS %.0f MiB, %d requests (%d writes)",
				k, op.name, side.AllRunningSeconds, side.AllReadySeconds, side.CPUSeconds, side.PeakRSSMiB, side.Requests, side.Writes)
			if i == 0 {
				res.KubeRay = side
				continue
			}
			res.Ours, res.Recovery = side, rec
			if rec != nil {
				b := burstRecoveryBudget(k, rec)
				rec.Budget = &b
				cfg.Log("versus %d: head recovery during the burst: detected %.3fs, new head Ready %.3fs %s", k, rec.DetectedSeconds, rec.ReadySeconds, rec.Error)
			}
		}
		out = append(out, res)
	}
	return out, nil
}

// versusRun starts a fresh cluster for one operator, runs the burst and
// stops everything.
func versusRun(ctx context.Context, cfg Config, op versusOperator, dir, logPath string, k, nodes int, versions *Versions) (VersusSide, *BurstRecovery, error) {
	e, err := startEnvWith(ctx, dir, nodes, cfg.Log, envOptions{
		CRDDir: op.crdDir, AuditPolicy: auditPolicy(simcluster.AdminUser, simcluster.ControllerManagerUser),
	})
	if err != nil {
		return VersusSide{}, nil, err
	}
	defer e.stop()
	if versions.Kubernetes == "" {
		versions.Kubernetes = serverVersion(e.cluster.RESTConfig())
	}
	if err := e.namespace(ctx, versusNS); err != nil {
		return VersusSide{}, nil, err
	}
	home := filepath.Join(dir, "home")
	if err := os.MkdirAll(home, 0o755); err != nil {
		return VersusSide{}, nil, fmt.Errorf("creating %s: %w", home, err)
	}
	proc, args, err := op.start(ctx, e, home, logPath)
	if err != nil {
		return VersusSide{}, nil, err
	}
	defer proc.Stop()
	side := VersusSide{Operator: op.name, Args: args}
	// One cluster Ready before the burst: it shows the operator works, and
	// its head is the one the recovery deletes.
	opts := harness.ClusterOptions{RedisAddress: e.redis.Addr(), Workers: 1}
	if op.recover {
		// Its head's status comes from the harness's kubelet, which leaves
		// a deleted head Terminating: only the operator's force-delete
		// replaces it.
		m := findMode(burstRecoveryMode)
		opts.HeadStatusByTest, opts.Annotations = m.StatusByTest, modeAnnotations(m, cfg)
		kctx, stopKubelet := context.WithCancel(ctx)
		kubelet := make(chan struct{})
		go func() { defer close(kubelet); harness.RunKubelet(kctx, e.client, versusNS, nil) }()
		defer func() { stopKubelet(); <-kubelet }()
	}
	if err := e.client.Create(ctx, harness.NewRayCluster(versusNS, recoveryCluster, opts)); err != nil {
		return side, nil, fmt.Errorf("creating %s: %w", recoveryCluster, err)
	}
	if err := e.waitAllReady(ctx, versusNS, 1, 2*time.Minute); err != nil {
		return side, nil, fmt.Errorf("the cluster before the burst: %w (%v)", err, proc.Running())
	}
	rec, err := burst(ctx, e, cfg, op, proc.Pid(), k, &side)
	if err != nil {
		err = fmt.Errorf("%w (%v; operator log %s)", err, proc.Running(), logPath)
	}
	return side, rec, err
}

// burst creates the K clusters at once and measures until all are ready.
func burst(ctx context.Context, e *env, cfg Config, op versusOperator, pid, k int, side *VersusSide) (*BurstRecovery, error) {
	kcm, apiserver := e.cluster.ComponentPID(simcluster.ComponentControllerManager), e.cluster.ComponentPID(simcluster.ComponentAPIServer)
	w := startBurstWatch(ctx, e.client, versusNS, 2*k, isBurstCluster)
	defer w.stop()
	rss := startRSSSampler(pid, rssSampleEvery)
	cpu0, err := cpuOf(pid, kcm, apiserver)
	if err != nil {
		rss.finish()
		return nil, err
	}
	start := time.Now()
	var rec *BurstRecovery
	var recDone sync.WaitGroup
	if op.recover {
		rec = &BurstRecovery{Cluster: recoveryCluster, DelaySeconds: recoveryDelay.Seconds()}
		recDone.Add(1)
		go func() {
			defer recDone.Done()
			recoverDuringBurst(ctx, e, cfg, start, rec)
		}()
	}
	created, err := createAll(ctx, e, k)
	if err == nil {
		err = e.waitAllReady(ctx, versusNS, k+1, 5*time.Minute+time.Duration(k)*time.Second)
	}
	end := time.Now()
	cpu1, cpuErr := cpuOf(pid, kcm, apiserver)
	side.PeakRSSMiB, side.VmHWMMiB = rss.finish()
	recDone.Wait()
	if err != nil {
		return rec, err
	}
	if cpuErr != nil {
		return rec, cpuErr
	}
	side.AllReadySeconds = round3(end.Sub(start).Seconds())
	select {
	case <-w.allRun:
		side.AllRunningSeconds = round3(w.allRunAt.Sub(start).Seconds())
	case <-time.After(time.Minute):
		return rec, fmt.Errorf("all clusters ready, but not all %d pods Running a minute later", 2*k)
	}
	side.CPUSeconds = round3((cpu1[0] - cpu0[0]).Seconds())
	side.ControllerManagerCPUSeconds = round3((cpu1[1] - cpu0[1]).Seconds())
	side.APIServerCPUSeconds = round3((cpu1[2] - cpu0[2]).Seconds())
	d := w.delays(created)
	side.ClusterToPod, side.ClusterToOwner, side.OwnerToPod = summarize(d.clusterToPod), summarize(d.clusterToOwner), summarize(d.ownerToPod)
	return rec, countRequests(e, start, end, side)
}

// createAll creates the burst's K clusters, createConcurrency at a time,
// and returns when each create returned.
func createAll(ctx context.Context, e *env, k int) (map[string]time.Time, error) {
	names := make(chan string)
	go func() {
		defer close(names)
		for i := 0; i < k; i++ {
			names <- burstCluster(i)
		}
	}()
	var mu sync.Mutex
	var first error
	created := make(map[string]time.Time, k)
	var wg sync.WaitGroup
	for range createConcurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for name := range names {
				rc := harness.NewRayCluster(versusNS, name, harness.ClusterOptions{RedisAddress: e.redis.Addr(), Workers: 1})
				err := e.client.Create(ctx, rc)
				mu.Lock()
				if err != nil && first == nil {
					first = fmt.Errorf("creating RayCluster %s: %w", name, err)
				}
				created[name] = time.Now()
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return created, first
}

// recoverDuringBurst deletes the head of the cluster made before the burst,
// recoveryDelay into it; the head stays Terminating (no kubelet finishes
// it), so the stuck grace runs and the operator must force-delete it. It
// times detection, the force-delete from the grace's end, and the new head
// Ready, as the stuck-terminating recovery mode does.
func recoverDuringBurst(ctx context.Context, e *env, cfg Config, start time.Time, rec *BurstRecovery) {
	select {
	case <-ctx.Done():
		return
	case <-time.After(time.Until(start.Add(recoveryDelay))):
	}
	rec.DelaySeconds = round3(time.Since(start).Seconds())
	old := &corev1.Pod{}
	if err := e.client.Get(ctx, types.NamespacedName{Namespace: versusNS, Name: raycluster.HeadPodName(recoveryCluster)}, old); err != nil {
		rec.Error = fmt.Sprintf("reading the head of %s: %v", recoveryCluster, err)
		return
	}
	tl, err := watchTimeline(ctx, e.client, versusNS)
	if err != nil {
		rec.Error = err.Error()
		return
	}
	defer tl.stop()
	m := findMode(burstRecoveryMode)
	r := &recoveryRun{env: e, cfg: cfg, ns: versusNS, name: recoveryCluster, old: old, injected: time.Now()}
	if err := m.inject(ctx, r); err != nil {
		rec.Error = err.Error()
		return
	}
	events, err := waitRecovered(ctx, tl, m, r)
	if err != nil {
		rec.Error = err.Error()
		rec.ReadySeconds = readyWithoutDetection(m, r, tl.snapshot())
		return
	}
	got, err := milestones(m, r, events)
	if err != nil {
		rec.Error = err.Error()
		return
	}
	rec.Detected = true
	rec.DetectedSeconds, rec.ReadySeconds = round3(got[msDetected].Seconds()), round3(got[msReady].Seconds())
	rec.ForceDeleteSeconds = round3(got[msForceDelete].Seconds())
}

// readyWithoutDetection is the new head's Ready time, from the deletion
// showing in the API, when the operator marked no recovery; 0 when the
// timeline lacks either.
func readyWithoutDetection(m *mode, r *recoveryRun, events []observed) float64 {
	visible := m.visible(r, events)
	if !r.written.IsZero() && (visible.IsZero() || r.written.Before(visible)) {
		visible = r.written
	}
	ready := headReadyAt(m, r, events)
	if visible.IsZero() || ready.IsZero() {
		return 0
	}
	return round3(ready.Sub(visible).Seconds())
}

// cpuOf reads the CPU time of each process.
func cpuOf(pids ...int) ([]time.Duration, error) {
	out := make([]time.Duration, len(pids))
	for i, pid := range pids {
		var err error
		if out[i], err = procCPU(pid); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// countRequests reads the operator's and kube-controller-manager's requests
// received within [start, end] from the audit log.
func countRequests(e *env, start, end time.Time, side *VersusSide) error {
	counts, err := readAudit(e.cluster.AuditLogPath(), start, end, newWhoOf(rest.DefaultKubernetesUserAgent()))
	if err != nil {
		return err
	}
	side.ByRequest, side.ControllerManagerByRequest = counts.rows(whoOperator), counts.rows(whoControllerManager)
	side.Requests, side.Writes = totals(side.ByRequest)
	side.ControllerManagerRequests, side.ControllerManagerWrites = totals(side.ControllerManagerByRequest)
	return nil
}

const (
	whoOperator          = "operator"
	whoControllerManager = "kube-controller-manager"
)

// newWhoOf tells the clients apart. Each operator runs as the admin user,
// as the bench's own clients do: the bench's driver (benchUserAgent), the
// simulated cluster's client (this process's default user agent, selfAgent)
// and its supervisor's health checks (a bare HTTP client asking /readyz:
// no operator asks the API server's health). Every other request of the
// admin user is the operator's, whatever its user agent: this operator's
// Helm client sends Go's default one. kube-controller-manager has a user
// of its own.
func newWhoOf(selfAgent string) requestWho {
	self, _, _ := strings.Cut(selfAgent, " ")
	return func(ev auditEvent) string {
		switch {
		case ev.User.Username == simcluster.ControllerManagerUser:
			return whoControllerManager
		case ev.User.Username != simcluster.AdminUser,
			strings.HasPrefix(ev.UserAgent, benchUserAgent),
			self != "" && strings.HasPrefix(ev.UserAgent, self),
			healthPaths[strings.SplitN(ev.RequestURI, "?", 2)[0]]:
			return ""
		}
		return whoOperator
	}
}

var healthPaths = map[string]bool{"/readyz": true, "/livez": true, "/healthz": true}
