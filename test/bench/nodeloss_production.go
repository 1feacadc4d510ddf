/*
Copyright 2026 The ray-ha-operator Authors.
*/

package bench

import (
	"context"
	"flag"
	"fmt"
	"path/filepath"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
	"github.com/ray-ha-operator/ray-ha-operator/internal/raycluster"
	"github.com/ray-ha-operator/ray-ha-operator/test/harness"
	"github.com/ray-ha-operator/ray-ha-operator/test/simcluster"
)

// The nodeloss-production phase: a head's node lost on Kubernetes' default
// timings (simcluster.ProductionProfile), in a full cluster, with the
// image-pull MODEL on (a multi-GB Ray image with a modelled cold pull),
// with and without the head's warm spare. Each run starts its own
// simulated cluster: three nodes of 4 CPUs; the head and the one worker
// ask for 3 CPUs each, the worker pinned to sim-node-3, so each node holds
// one of them and the third node holds either the spare or, without one,
// a plain pod of the head's size. Ray does not run on kwok's nodes: its
// start is the real-Ray tier's measurement, added and labelled as such.
const (
	nodeLossPhase = "nodeloss-production"
	// nodeLossFullNode holds the workers; the head keeps off it.
	nodeLossFullNode = "sim-node-3"
	nodeLossNodeCPU  = "4"
	nodeLossPodCPU   = "3"
	// nodeLossPoll is how often the driver looks at the head and its node.
	nodeLossPoll = 50 * time.Millisecond
	// nodeLossSetupTimeout covers the first cold pulls (head, worker and
	// spare pull the image at the start too).
	nodeLossSetupTimeout = 5 * time.Minute
	// rayStart is the real-Ray tier's new head Running -> Ready, taken from
	// docs/benchmarks.md ("The whole chain with real Ray"):
	// TestOperatorFailoverOnLostNode, new head Running 6.6-7.9 s and Ready
	// 16.6-17.9 s after the kill over eleven runs (the chart's readiness
	// probe waits 10 s; the GCS is up 1.6 s after the start).
	rayStart       = 10 * time.Second
	rayStartSource = "real-Ray tier, docs/benchmarks.md: new head Running → Ready 10.0 s (6.6–7.9 s → 16.6–17.9 s after the kill, TestOperatorFailoverOnLostNode, 11 runs; the chart's readiness probe waits 10 s)"
	// goalSlack is the bench goal's margin over the sum of the graces and
	// Ray's start (issue 20).
	goalSlack = 2 * time.Second
)

// NodeLossConfig sizes the nodeloss-production phase.
type NodeLossConfig struct {
	// Runs per variant (with and without the spare); one run takes minutes.
	Runs int
	// ColdPull is the modelled cold pull of the Ray image.
	ColdPull time.Duration
	// ImageSize is the Ray image's modelled size (node.status.images).
	ImageSize int64
	// PendingHold is how long the head without a spare is left Pending in
	// the full cluster before the bench adds a node, standing in for a
	// cluster autoscaler (whose machine boot is not modelled).
	PendingHold time.Duration
}

// DefaultNodeLossConfig: one run, a 5 GiB image with a 60 s modelled pull.
func DefaultNodeLossConfig() NodeLossConfig {
	return NodeLossConfig{Runs: 1, ColdPull: time.Minute, ImageSize: 5 << 30, PendingHold: 20 * time.Second}
}

func (c *NodeLossConfig) bind(fs *flag.FlagSet) {
	fs.IntVar(&c.Runs, "nodeloss-runs", c.Runs, "runs per variant of the nodeloss-production phase (each takes minutes)")
	fs.DurationVar(&c.ColdPull, "nodeloss-cold-pull", c.ColdPull, "modelled cold pull of the Ray image in the nodeloss-production phase")
	fs.DurationVar(&c.PendingHold, "nodeloss-pending-hold", c.PendingHold, "how long the head without a spare stays Pending before the bench adds a node")
}

func (c NodeLossConfig) validate() error {
	if c.Runs < 1 || c.ColdPull < 0 || c.PendingHold < 0 {
		return fmt.Errorf("bench config: nodeloss-production needs runs >= 1 and no negative durations (got %+v)", c)
	}
	return nil
}

// NodeLossResult is the phase's outcome.
type NodeLossResult struct {
	Image                   string            `json:"image"`
	ModelledColdPullSeconds float64           `json:"modelledColdPullSeconds"`
	ModelledImageSizeBytes  int64             `json:"modelledImageSizeBytes"`
	NodeMonitorGraceSeconds float64           `json:"nodeMonitorGraceSeconds"`
	NodeMonitorPeriodSecs   float64           `json:"nodeMonitorPeriodSeconds"`
	KubeletLeaseSeconds     float64           `json:"kubeletLeaseSeconds"`
	NodeLostGraceSeconds    float64           `json:"nodeLostGraceSeconds"`
	PendingHoldSeconds      float64           `json:"pendingHoldSeconds"`
	RayStartSeconds         float64           `json:"rayStartSeconds"`
	RayStartSource          string            `json:"rayStartSource"`
	GoalSeconds             float64           `json:"goalSeconds"`
	Variants                []NodeLossVariant `json:"variants"`
}

// NodeLossVariant is one setting (spare or not) and its runs.
type NodeLossVariant struct {
	Name  string        `json:"name"`
	Spare bool          `json:"spare"`
	Runs  []NodeLossRun `json:"runs"`
}

// NodeLossRun is one node loss, term by term, in seconds. The terms add up
// to KillToRunning; KillToReady adds Ray's start (not run here).
type NodeLossRun struct {
	// Detection: kill -> the node's Ready condition leaves True (Kubernetes).
	Detection float64 `json:"detectionSeconds"`
	// NodeLostGrace: node NotReady -> the old head gone (operator).
	NodeLostGrace float64 `json:"nodeLostGraceSeconds"`
	// Scheduling: old head gone -> new head bound (scheduler; without the
	// spare it includes Pending, the hold and the added node's join).
	Scheduling float64 `json:"schedulingSeconds"`
	// Pending: new head created -> bound, the part of Scheduling the head
	// waited for a node.
	Pending float64 `json:"pendingSeconds"`
	// ImagePull: new head bound -> Running (kubelet; the modelled pull).
	ImagePull float64 `json:"imagePullSeconds"`
	// KillToRunning is measured; KillToReady adds RayStartSeconds.
	KillToRunning float64 `json:"killToRunningSeconds"`
	KillToReady   float64 `json:"killToReadySeconds"`
	// NewHeadNode is where the new head runs; SpareNode where the spare
	// was (empty without one); PullModel the image-pull annotation.
	NewHeadNode string `json:"newHeadNode"`
	SpareNode   string `json:"spareNode,omitempty"`
	PullModel   string `json:"pullModel"`
	// Preempted is how many pods the scheduler preempted (the spare).
	Preempted int `json:"preempted"`
}

// runNodeLossProduction runs both variants, each run on a fresh cluster,
// into out.NodeLossProduction; it reads out.Versions from the first
// cluster when the run has none yet.
func runNodeLossProduction(ctx context.Context, cfg Config, root, logDir string, out *Result) error {
	nc := cfg.NodeLoss
	kcm, err := simcluster.ControllerManagerDefaults()
	if err != nil {
		return fmt.Errorf("nodeloss-production: %w", err)
	}
	res := &NodeLossResult{
		Image: harness.RayImage, ModelledColdPullSeconds: nc.ColdPull.Seconds(), ModelledImageSizeBytes: nc.ImageSize,
		NodeMonitorGraceSeconds: kcm.NodeMonitorGracePeriod.Seconds(), NodeMonitorPeriodSecs: kcm.NodeMonitorPeriod.Seconds(),
		KubeletLeaseSeconds: simcluster.KubeletNodeLeaseDuration.Seconds(), NodeLostGraceSeconds: raycluster.DefaultNodeLostGrace.Seconds(),
		PendingHoldSeconds: nc.PendingHold.Seconds(), RayStartSeconds: rayStart.Seconds(), RayStartSource: rayStartSource,
		GoalSeconds: (kcm.NodeMonitorGracePeriod + raycluster.DefaultNodeLostGrace + rayStart + goalSlack).Seconds(),
	}
	out.NodeLossProduction = res
	for _, spare := range []bool{false, true} {
		v := NodeLossVariant{Name: "without spare", Spare: spare}
		if spare {
			v.Name = "with spare"
		}
		for i := range nc.Runs {
			name := fmt.Sprintf("%s-%t-%d", nodeLossPhase, spare, i)
			cfg.Log("%s: %s, run %d of %d (modelled cold pull %s)", nodeLossPhase, v.Name, i+1, nc.Runs, nc.ColdPull)
			run, err := nodeLossOnce(ctx, cfg, filepath.Join(cfg.Dir, name), logDir, name, spare, func(e *env) {
				if out.Versions.Kubernetes == "" {
					out.Versions = readVersions(ctx, e.cluster.RESTConfig(), root)
				}
			})
			if err != nil {
				return fmt.Errorf("%s %s: %w", nodeLossPhase, v.Name, err)
			}
			cfg.Log("%s: %s: %+v", nodeLossPhase, v.Name, run)
			v.Runs = append(v.Runs, run)
		}
		res.Variants = append(res.Variants, v)
	}
	return nil
}

// nodeLossOnce starts a production-profile cluster with the image-pull
// model and the operator, fills it, kills the head's node and times the
// recovery.
func nodeLossOnce(ctx context.Context, cfg Config, dir, logDir, name string, spare bool, started func(*env)) (NodeLossRun, error) {
	e, err := startNodeLossEnv(ctx, cfg, dir)
	if err != nil {
		return NodeLossRun{}, err
	}
	defer e.stop()
	started(e)
	op, err := e.startLoggedOperator(ctx, operatorOptions{}, logDir, name)
	if err != nil {
		return NodeLossRun{}, err
	}
	defer op.stop()
	const ns = "nodeloss"
	if err := e.namespace(ctx, ns); err != nil {
		return NodeLossRun{}, err
	}
	r := &nodeLossRun{e: e, ns: ns, name: "rc", spare: spare, hold: cfg.NodeLoss.PendingHold}
	if err := r.setup(ctx); err != nil {
		return NodeLossRun{}, err
	}
	return r.lose(ctx)
}

// startNodeLossEnv is startEnv on the production profile with small nodes
// and the image-pull model.
func startNodeLossEnv(ctx context.Context, cfg Config, dir string) (*env, error) {
	opts, err := simcluster.ProductionProfile(simcluster.Options{
		Nodes: 3, Dir: filepath.Join(dir, "cluster"),
		NodeCapacity: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(nodeLossNodeCPU),
			corev1.ResourceMemory: resource.MustParse("16Gi"), corev1.ResourcePods: resource.MustParse("110")},
		ImagePulls: map[string]simcluster.ImagePull{harness.RayImage: {ColdPull: cfg.NodeLoss.ColdPull, SizeBytes: cfg.NodeLoss.ImageSize}},
	})
	if err != nil {
		return nil, err
	}
	c, err := simcluster.Start(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("starting the production-profile cluster: %w", err)
	}
	e := &env{cluster: c, dir: dir, logf: cfg.Log, qps: cfg.OperatorQPS, burst: cfg.OperatorBurst}
	if err := e.prepare(""); err != nil {
		e.stop()
		return nil, err
	}
	return e, nil
}

// nodeLossRun is one run's state.
type nodeLossRun struct {
	e           *env
	ns, name    string
	spare       bool
	hold        time.Duration
	old         *corev1.Pod
	spareNode   string
	freeNodePod string
}

// setup creates the full cluster and waits until the head is Ready and,
// with the spare, the spare holds the free node with the image pulled.
func (r *nodeLossRun) setup(ctx context.Context) error {
	annotations := map[string]string{}
	if r.spare {
		annotations[raycluster.AnnotationHeadSpare] = raycluster.HeadSpareEnabled
	}
	rc := harness.NewRayCluster(r.ns, r.name, harness.ClusterOptions{RedisAddress: r.e.redis.Addr(), Workers: 1,
		AvoidNode: nodeLossFullNode, WorkerNode: nodeLossFullNode, Annotations: annotations})
	cpu := corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(nodeLossPodCPU)}}
	rc.Spec.HeadGroupSpec.Template.Spec.Containers[0].Resources = cpu
	rc.Spec.WorkerGroupSpecs[0].Template.Spec.Containers[0].Resources = cpu
	if err := r.e.client.Create(ctx, rc); err != nil {
		return fmt.Errorf("creating the RayCluster: %w", err)
	}
	var err error
	if r.old, err = r.e.waitClusterReady(ctx, r.ns, r.name, nodeLossSetupTimeout); err != nil {
		return err
	}
	if r.spare {
		r.spareNode, err = r.waitSpareReady(ctx)
		return err
	}
	return r.fillFreeNode(ctx)
}

func (r *nodeLossRun) freeNode() string {
	for _, n := range r.e.cluster.NodeNames() {
		if n != r.old.Spec.NodeName && n != nodeLossFullNode {
			return n
		}
	}
	return ""
}

// waitSpareReady waits for HeadSpare SpareReady (the spare Running on the
// free node, after its own modelled cold pull) and returns its node.
func (r *nodeLossRun) waitSpareReady(ctx context.Context) (string, error) {
	for end := time.Now().Add(nodeLossSetupTimeout); time.Now().Before(end); time.Sleep(time.Second) {
		rc := &rayv1.RayCluster{}
		if err := r.e.client.Get(ctx, types.NamespacedName{Namespace: r.ns, Name: r.name}, rc); err != nil {
			return "", err
		}
		if c := harness.FindCondition(rc, rayv1.HeadSpare); c != nil && c.Reason == rayv1.ReasonHeadSpareReady {
			var pods corev1.PodList
			if err := r.e.client.List(ctx, &pods, client.InNamespace(r.ns), client.MatchingLabels{raycluster.LabelHeadSpareOf: r.name}); err != nil {
				return "", err
			}
			for _, p := range pods.Items {
				if p.DeletionTimestamp == nil && p.Spec.NodeName != "" {
					return p.Spec.NodeName, nil
				}
			}
		}
	}
	return "", fmt.Errorf("the head's spare not SpareReady within %s", nodeLossSetupTimeout)
}

// fillFreeNode takes the free node with a plain pod of the head's size
// and priority, as any other workload would.
func (r *nodeLossRun) fillFreeNode(ctx context.Context) error {
	node := r.freeNode()
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: r.ns, Name: "filler"}, Spec: corev1.PodSpec{
		NodeSelector:                  map[string]string{corev1.LabelHostname: node},
		TerminationGracePeriodSeconds: ptr.To[int64](0),
		Containers: []corev1.Container{{Name: "filler", Image: "busybox", Resources: corev1.ResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(nodeLossPodCPU)}}}},
	}}
	if err := r.e.client.Create(ctx, p); err != nil {
		return fmt.Errorf("creating the filler pod: %w", err)
	}
	r.freeNodePod = p.Name
	for end := time.Now().Add(time.Minute); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
		if err := r.e.client.Get(ctx, client.ObjectKeyFromObject(p), p); err == nil && p.Status.Phase == corev1.PodRunning {
			return nil
		}
	}
	return fmt.Errorf("the filler pod not Running on %s within a minute", node)
}

// lossMarks are the moments the driver saw, zero until seen.
type lossMarks struct {
	killed, notReady, oldGone, created, bound, nodeAdded, running time.Time
	head                                                          *corev1.Pod
}

// lose kills the head's node and follows the new head until it runs;
// without a spare it adds a node after the hold.
func (r *nodeLossRun) lose(ctx context.Context) (NodeLossRun, error) {
	if err := r.e.cluster.KillNode(r.old.Spec.NodeName); err != nil {
		return NodeLossRun{}, err
	}
	m := &lossMarks{killed: time.Now()}
	deadline := m.killed.Add(6 * time.Minute)
	for m.running.IsZero() {
		if time.Now().After(deadline) {
			return NodeLossRun{}, fmt.Errorf("no new head Running 6 minutes after the kill (marks %+v)", m)
		}
		if err := r.observe(ctx, m); err != nil {
			return NodeLossRun{}, err
		}
		if err := r.addNodeAfterHold(ctx, m); err != nil {
			return NodeLossRun{}, err
		}
		time.Sleep(nodeLossPoll)
	}
	return r.terms(ctx, m)
}

// observe records the first moment of each milestone.
func (r *nodeLossRun) observe(ctx context.Context, m *lossMarks) error {
	now := time.Now()
	if m.notReady.IsZero() {
		n := &corev1.Node{}
		if err := r.e.client.Get(ctx, types.NamespacedName{Name: r.old.Spec.NodeName}, n); err != nil {
			return fmt.Errorf("reading the lost node: %w", err)
		}
		if !simcluster.NodeReady(n) {
			m.notReady = now
		}
	}
	head := &corev1.Pod{}
	err := r.e.client.Get(ctx, types.NamespacedName{Namespace: r.ns, Name: raycluster.HeadPodName(r.name)}, head)
	switch {
	case apierrors.IsNotFound(err):
		head = nil
	case err != nil:
		return fmt.Errorf("reading the head pod: %w", err)
	}
	if head != nil && head.UID == r.old.UID {
		return nil
	}
	if m.oldGone.IsZero() {
		m.oldGone = now
	}
	if head == nil {
		return nil
	}
	m.head = head
	if m.created.IsZero() {
		m.created = now
	}
	if m.bound.IsZero() && head.Spec.NodeName != "" {
		m.bound = now
	}
	if head.Status.Phase == corev1.PodRunning {
		m.running = now
	}
	return nil
}

// addNodeAfterHold adds a node once the new head has been Pending for the
// hold in a full cluster (what a cluster autoscaler would do, minus its
// machine's boot).
func (r *nodeLossRun) addNodeAfterHold(ctx context.Context, m *lossMarks) error {
	if r.spare || m.created.IsZero() || !m.bound.IsZero() || !m.nodeAdded.IsZero() || time.Since(m.created) < r.hold {
		return nil
	}
	name, err := r.e.cluster.AddNode(ctx)
	if err != nil {
		return fmt.Errorf("adding a node for the Pending head: %w", err)
	}
	m.nodeAdded = time.Now()
	r.e.logf("%s: new head Pending for %s; added node %s", nodeLossPhase, r.hold, name)
	return nil
}

// terms turns the marks into the run's terms.
func (r *nodeLossRun) terms(ctx context.Context, m *lossMarks) (NodeLossRun, error) {
	sec := func(from, to time.Time) float64 { return round3(to.Sub(from).Seconds()) }
	out := NodeLossRun{
		Detection: sec(m.killed, m.notReady), NodeLostGrace: sec(m.notReady, m.oldGone), Scheduling: sec(m.oldGone, m.bound),
		Pending: sec(m.created, m.bound), ImagePull: sec(m.bound, m.running), KillToRunning: sec(m.killed, m.running),
		NewHeadNode: m.head.Spec.NodeName, SpareNode: r.spareNode, PullModel: m.head.Annotations[simcluster.ImagesPulledAnnotation],
	}
	out.KillToReady = round3(out.KillToRunning + rayStart.Seconds())
	n, err := r.preemptions(ctx)
	out.Preempted = n
	return out, err
}

// preemptions counts the scheduler's Preempted events in the namespace.
func (r *nodeLossRun) preemptions(ctx context.Context) (int, error) {
	var list corev1.EventList
	if err := r.e.client.List(ctx, &list, client.InNamespace(r.ns)); err != nil {
		return 0, fmt.Errorf("listing events: %w", err)
	}
	n := 0
	for _, ev := range list.Items {
		if ev.Reason == "Preempted" && ev.InvolvedObject.Kind == "Pod" {
			n++
		}
	}
	return n, nil
}

// onlyNodeLoss: the run is this phase alone, which brings its own
// clusters; the shared one is not started.
func (c Config) onlyNodeLoss() bool { return len(c.Phases) == 1 && c.Phases[0] == nodeLossPhase }

// onlyNodeLoss: the result holds this phase alone, so the operator
// section and docs/benchmarks.json are left as they are.
func (r *Result) onlyNodeLoss() bool {
	return r.NodeLossProduction != nil && len(r.Recovery)+len(r.Steady)+len(r.Scale) == 0
}

// OnlyNodeLoss tells the command whether to print the operator tables.
func (r *Result) OnlyNodeLoss() bool { return r.onlyNodeLoss() }

// runNodeLossOnly runs this phase without the shared cluster.
func runNodeLossOnly(ctx context.Context, cfg Config, root, logDir string, res *Result) (*Result, error) {
	if err := runNodeLossProduction(ctx, cfg, root, logDir, res); err != nil {
		return res, fmt.Errorf("%w (operator logs in %s)", err, logDir)
	}
	res.DurationSeconds = round3(time.Since(res.Started).Seconds())
	return res, nil
}
