package simcluster

import (
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// Defaults of the timing knobs. The lease is renewed every quarter of its
// duration (1 s), well inside the grace period, so healthy nodes never flap
// NotReady; a node whose kwok process dies is NotReady about one grace period
// later.
const (
	DefaultNodes                        = 3
	DefaultNodeLeaseDuration            = 4 * time.Second
	DefaultNodeMonitorGracePeriod       = 5 * time.Second
	DefaultNotReadyTolerationSeconds    = 2
	DefaultUnreachableTolerationSeconds = 2

	// DefaultNodeMonitorPeriod is how often the node lifecycle controller
	// looks at leases; one second keeps detection within a second of the
	// grace period.
	DefaultNodeMonitorPeriod = time.Second
	// maxNodes bounds the per-node pod CIDR scheme 10.(100+i).0.0/16.
	maxNodes = 150
)

// Options configures a simulated cluster. The zero value is usable.
type Options struct {
	// Nodes is the number of simulated nodes, named sim-node-1..N (default 3).
	Nodes int
	// NodeLabels are extra labels on every node.
	NodeLabels map[string]string
	// NodeCapacity overrides each node's capacity and allocatable
	// (default: DefaultNodeCapacity).
	NodeCapacity corev1.ResourceList

	// NotReadyTolerationSeconds and UnreachableTolerationSeconds are the
	// tolerations the API server adds to pods that have none for the
	// not-ready/unreachable NoExecute taints: how long a pod stays bound to
	// a lost node before it is evicted (becomes Terminating). Default 2 s
	// each (Kubernetes' own default is 300 s).
	NotReadyTolerationSeconds    int
	UnreachableTolerationSeconds int
	// NodeMonitorGracePeriod is how long the node lifecycle controller waits
	// for a lease renewal before it marks a node NotReady (default 5 s).
	NodeMonitorGracePeriod time.Duration
	// NodeMonitorPeriod is how often the node lifecycle controller checks
	// the leases (default 1 s; Kubernetes' own default is 5 s, see
	// ProductionProfile).
	NodeMonitorPeriod time.Duration
	// NodeLeaseDuration is the lease duration kwok writes; it renews the
	// lease every quarter of it (default 4 s). Keep it below the grace period.
	NodeLeaseDuration time.Duration

	// DisregardStatusSelector starts kwok so that it leaves alone every pod
	// annotated DisregardStatusAnnotation="true": the test writes that
	// pod's status itself. kwok does not finish deleting such pods either,
	// so delete them with a grace period of zero.
	DisregardStatusSelector bool

	// ImagePulls turns on the image-pull MODEL (imagepull.go,
	// imagepullcontroller.go) and gives, per image reference, its modelled
	// cold-pull time and size: a pod bound to a node whose modelled cache
	// lacks one of its images starts only after that pull (one pull at a
	// time per node, as the kubelet's default), and the node then has the
	// image (node.status.images says so). Images not listed pull at once.
	// Nil or empty (the default): no model, kwok starts pods at once. The
	// times are a model, not a measurement: say so wherever they show.
	ImagePulls map[string]ImagePull
	// PrewarmedImages are, per node name, the images already on the node
	// when the cluster starts (only with ImagePulls).
	PrewarmedImages map[string][]string

	// AuditPolicy, when set, is an audit.k8s.io/v1 Policy (YAML) the API
	// server logs requests by, as JSON lines, to AuditLogPath.
	AuditPolicy string

	// Dir is the work folder (certificates, kubeconfigs, etcd data, logs).
	// Default: a new temporary folder, removed by Stop. A given Dir is kept
	// after Stop; Start clears etcd data and logs left in it by a former run.
	Dir string
	// Log receives progress lines (default: discarded).
	Log func(format string, args ...any)
}

// DisregardStatusAnnotation marks pods kwok must not touch when the cluster
// runs with Options.DisregardStatusSelector; its value must be "true".
const DisregardStatusAnnotation = "simcluster.ray-ha-operator.io/disregard-status"

// DefaultNodeCapacity gives each node room for about a thousand small pods,
// so a handful of nodes hold a large benchmark.
func DefaultNodeCapacity() corev1.ResourceList {
	return corev1.ResourceList{
		corev1.ResourceCPU:    resource.MustParse("1000"),
		corev1.ResourceMemory: resource.MustParse("4Ti"),
		corev1.ResourcePods:   resource.MustParse("1000"),
	}
}

func (o Options) withDefaults() (Options, error) {
	if o.Nodes == 0 {
		o.Nodes = DefaultNodes
	}
	if o.NodeCapacity == nil {
		o.NodeCapacity = DefaultNodeCapacity()
	}
	if o.NotReadyTolerationSeconds == 0 {
		o.NotReadyTolerationSeconds = DefaultNotReadyTolerationSeconds
	}
	if o.UnreachableTolerationSeconds == 0 {
		o.UnreachableTolerationSeconds = DefaultUnreachableTolerationSeconds
	}
	if o.NodeMonitorGracePeriod == 0 {
		o.NodeMonitorGracePeriod = DefaultNodeMonitorGracePeriod
	}
	if o.NodeLeaseDuration == 0 {
		o.NodeLeaseDuration = DefaultNodeLeaseDuration
	}
	if o.NodeMonitorPeriod == 0 {
		o.NodeMonitorPeriod = DefaultNodeMonitorPeriod
	}
	if o.Log == nil {
		o.Log = func(string, ...any) {}
	}
	return o, o.validate()
}

func (o Options) validate() error {
	switch {
	case o.Nodes < 0 || o.Nodes > maxNodes:
		return fmt.Errorf("simcluster options: Nodes=%d, want 0..%d", o.Nodes, maxNodes)
	case o.NotReadyTolerationSeconds < 0 || o.UnreachableTolerationSeconds < 0:
		return fmt.Errorf("simcluster options: toleration seconds must not be negative")
	case o.NodeLeaseDuration < time.Second || o.NodeLeaseDuration%time.Second != 0:
		return fmt.Errorf("simcluster options: NodeLeaseDuration=%s, want whole seconds, at least 1s", o.NodeLeaseDuration)
	case !o.imagePullsValid():
		return fmt.Errorf("simcluster options: ImagePulls must not have negative times or sizes, nor PrewarmedImages be set without them")
	case o.NodeMonitorPeriod < 0:
		return fmt.Errorf("simcluster options: NodeMonitorPeriod=%s must not be negative", o.NodeMonitorPeriod)
	case o.NodeMonitorGracePeriod <= o.NodeLeaseDuration/4+o.NodeMonitorPeriod:
		// A grace period shorter than one renewal interval plus one monitor
		// period marks healthy nodes NotReady.
		return fmt.Errorf("simcluster options: NodeMonitorGracePeriod=%s is too short for NodeLeaseDuration=%s", o.NodeMonitorGracePeriod, o.NodeLeaseDuration)
	}
	return nil
}

func (o Options) imagePullsValid() bool {
	for _, p := range o.ImagePulls {
		if p.ColdPull < 0 || p.SizeBytes < 0 {
			return false
		}
	}
	return len(o.PrewarmedImages) == 0 || o.imagePullModelOn()
}
