/*
Copyright 2026 The ray-ha-operator Authors.
*/

package bench

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
	"github.com/ray-ha-operator/ray-ha-operator/internal/raycluster"
	"github.com/ray-ha-operator/ray-ha-operator/test/harness"
)

// ScaleResult is one stage of the scale phase: K RayClusters of one head
// and two workers each, created at once under a freshly started operator.
type ScaleResult struct {
	Clusters int `json:"clusters"`
	// AllReadySeconds: from the first create to every cluster "ready".
	AllReadySeconds float64 `json:"allReadySeconds"`
	// CPUSeconds and the memory figures are the bench process's: the
	// operator plus the bench's driver.
	CPUSeconds     float64 `json:"cpuSeconds"`
	PeakHeapMiB    float64 `json:"peakHeapMiB"`
	PeakRSSMiB     float64 `json:"peakRSSMiB"`
	HeapAfterGCMiB float64 `json:"heapAfterGCMiB"`
	Goroutines     int     `json:"goroutines"`
	// Requests and Writes are the operator's API requests until all were
	// Ready; ByRequest splits them.
	Requests  int64          `json:"requests"`
	Writes    int64          `json:"writes"`
	ByRequest []RequestCount `json:"byRequest"`
	// APIServerRequests is what the API server served meanwhile, to all
	// its clients (its own apiserver_request_total), by verb.
	APIServerRequests int64            `json:"apiserverRequests"`
	APIServerByVerb   map[string]int64 `json:"apiserverRequestsByVerb"`
	// One head deleted while all K exist: operator detection and new head
	// Ready, from the deletion showing in the API.
	RecoveryDetectedSeconds float64 `json:"recoveryDetectedSeconds"`
	RecoveryReadySeconds    float64 `json:"recoveryReadySeconds"`
}

// scaleStages are K/4 and K (just K when K/4 rounds to nothing).
func scaleStages(k int) []int {
	if k/4 < 1 || k/4 == k {
		return []int{k}
	}
	return []int{k / 4, k}
}

// runScale runs each stage with its own operator and namespace; a stage is
// removed (through the operator) before the next starts.
func runScale(ctx context.Context, e *env, cfg Config, logDir string) ([]ScaleResult, error) {
	var out []ScaleResult
	stages := scaleStages(cfg.Scale)
	for i, k := range stages {
		ns := fmt.Sprintf("bench-scale-%d", k)
		if err := e.namespace(ctx, ns); err != nil {
			return out, err
		}
		op, err := e.startLoggedOperator(ctx, operatorOptions{}, logDir, ns)
		if err != nil {
			return out, err
		}
		cpuProfile := ""
		if i == len(stages)-1 {
			cpuProfile = cfg.CPUProfile
		}
		res, err := scaleStage(ctx, e, op, ns, k, cpuProfile)
		if err == nil && i == len(stages)-1 && cfg.HeapProfile != "" {
			err = writeHeapProfile(cfg.HeapProfile)
		}
		if err == nil && i < len(stages)-1 {
			err = e.removeAll(ctx, ns, 10*time.Minute)
		}
		op.stop()
		if err != nil {
			return out, fmt.Errorf("scale stage of %d clusters: %w", k, err)
		}
		e.logf("scale %d: all Ready in %.1fs, CPU %.1fs, peak heap %.0f MiB, peak RSS %.0f MiB, %d requests (%d writes), one recovery: detected %.3fs, Ready %.3fs",
			k, res.AllReadySeconds, res.CPUSeconds, res.PeakHeapMiB, res.PeakRSSMiB, res.Requests, res.Writes,
			res.RecoveryDetectedSeconds, res.RecoveryReadySeconds)
		out = append(out, res)
	}
	return out, nil
}

func scaleStage(ctx context.Context, e *env, op *runningOperator, ns string, k int, cpuProfile string) (ScaleResult, error) {
	served, err := apiserverRequests(ctx, e.cluster.RESTConfig())
	if err != nil {
		return ScaleResult{}, err
	}
	stopProfile, err := startCPUProfile(cpuProfile)
	if err != nil {
		return ScaleResult{}, err
	}
	sampler := startPeakSampler(250 * time.Millisecond)
	reqBefore, before, start := op.requests.snapshot(), readUsage(), time.Now()
	for i := 0; i < k; i++ {
		rc := harness.NewRayCluster(ns, fmt.Sprintf("rc-%04d", i), harness.ClusterOptions{RedisAddress: e.redis.Addr(), Workers: 2})
		if err := e.client.Create(ctx, rc); err != nil {
			sampler.stop()
			return ScaleResult{}, fmt.Errorf("creating RayCluster %s/%s: %w", ns, rc.Name, err)
		}
	}
	err = e.waitAllReady(ctx, ns, k, 5*time.Minute+time.Duration(k)*time.Second)
	took := time.Since(start)
	after := readUsage()
	peakHeap, peakRSS := sampler.stop()
	stopProfile()
	if err != nil {
		return ScaleResult{}, err
	}
	servedAfter, err := apiserverRequests(ctx, e.cluster.RESTConfig())
	if err != nil {
		return ScaleResult{}, err
	}
	rows := requestsSince(reqBefore, op.requests.snapshot())
	all, writes := totals(rows)
	runtime.GC()
	res := ScaleResult{
		Clusters: k, AllReadySeconds: round3(took.Seconds()), CPUSeconds: round3((after.cpu - before.cpu).Seconds()),
		PeakHeapMiB: mib(peakHeap), PeakRSSMiB: mib(peakRSS), HeapAfterGCMiB: mib(readUsage().heapInuse),
		Goroutines: after.goroutineNo, Requests: all, Writes: writes, ByRequest: orEmpty(rows),
		APIServerByVerb: verbDelta(served, servedAfter),
	}
	for _, n := range res.APIServerByVerb {
		res.APIServerRequests += n
	}
	detected, ready, err := oneRecovery(ctx, e, ns, fmt.Sprintf("rc-%04d", 0))
	if err != nil {
		return res, err
	}
	res.RecoveryDetectedSeconds, res.RecoveryReadySeconds = round3(detected.Seconds()), round3(ready.Seconds())
	return res, nil
}

// oneRecovery deletes one cluster's head, as the head-deleted mode does,
// and returns detection and new-head-Ready times.
func oneRecovery(ctx context.Context, e *env, ns, name string) (time.Duration, time.Duration, error) {
	old := &corev1.Pod{}
	if err := e.client.Get(ctx, types.NamespacedName{Namespace: ns, Name: raycluster.HeadPodName(name)}, old); err != nil {
		return 0, 0, fmt.Errorf("reading the head of %s/%s: %w", ns, name, err)
	}
	tl, err := watchTimeline(ctx, e.client, ns)
	if err != nil {
		return 0, 0, err
	}
	defer tl.stop()
	m := findMode("head-deleted")
	r := &recoveryRun{env: e, ns: ns, name: name, old: old, injected: time.Now()}
	if err := m.inject(ctx, r); err != nil {
		return 0, 0, err
	}
	events, err := waitRecovered(ctx, tl, m, r)
	if err != nil {
		return 0, 0, err
	}
	got, err := milestones(m, r, events)
	if err != nil {
		return 0, 0, err
	}
	return got[msDetected], got[msReady], nil
}

// waitAllReady waits until k RayClusters of ns are in the ready state. It
// follows a watch rather than listing: a list decodes all K objects each
// time, in this process, whose CPU time is reported as the operator's, and
// would grow with K squared.
func (e *env) waitAllReady(ctx context.Context, ns string, k int, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	ready, count := map[string]bool{}, 0
	for ctx.Err() == nil {
		// A watch without a resourceVersion starts with every existing
		// object, so a reopened watch (the server ends them now and then)
		// misses nothing.
		w, err := e.client.Watch(ctx, &rayv1.RayClusterList{}, client.InNamespace(ns))
		if err != nil {
			time.Sleep(time.Second)
			continue
		}
		for ev := range w.ResultChan() {
			if rc, ok := ev.Object.(*rayv1.RayCluster); ok {
				now := ev.Type != watch.Deleted && rc.Status.State == rayv1.ClusterStateReady
				switch was := ready[rc.Name]; {
				case now && !was:
					count++
				case was && !now:
					count--
				}
				ready[rc.Name] = now
			}
			if count >= k {
				w.Stop()
				return nil
			}
		}
		w.Stop()
	}
	return fmt.Errorf("%d of %d RayClusters in %s ready after %s", count, k, ns, timeout)
}

// removeAll deletes every RayCluster of ns and waits until the operator has
// uninstalled them all.
func (e *env) removeAll(ctx context.Context, ns string, timeout time.Duration) error {
	if err := e.client.DeleteAllOf(ctx, &rayv1.RayCluster{}, client.InNamespace(ns)); err != nil {
		return fmt.Errorf("deleting the RayClusters of %s: %w", ns, err)
	}
	for end := time.Now().Add(timeout); time.Now().Before(end); time.Sleep(time.Second) {
		var list rayv1.RayClusterList
		if err := e.client.List(ctx, &list, client.InNamespace(ns)); err == nil && len(list.Items) == 0 {
			return nil
		}
	}
	return fmt.Errorf("RayClusters of %s still present %s after their deletion", ns, timeout)
}

func mib(b uint64) float64 { return round3(float64(b) / (1 << 20)) }

// writeHeapProfile writes the live heap (after a GC) to path.
func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("creating the heap profile %s: %w", path, err)
	}
	defer f.Close()
	runtime.GC()
	if err := pprof.WriteHeapProfile(f); err != nil {
		return fmt.Errorf("writing the heap profile %s: %w", path, err)
	}
	return nil
}

// startCPUProfile profiles the process into path until the returned
// function is called; an empty path profiles nothing.
func startCPUProfile(path string) (func(), error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("creating the CPU profile %s: %w", path, err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("starting the CPU profile: %w", err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}
