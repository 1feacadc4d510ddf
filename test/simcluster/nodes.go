package simcluster

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

const (
	// NodeNamePrefix names the simulated nodes: sim-node-1, sim-node-2, ...
	NodeNamePrefix = "sim-node-"
	// NodeTypeLabel is set to "kwok" on every simulated node.
	NodeTypeLabel = "type"
	// kwokNodeAnnotation selects the one kwok process that manages a node.
	kwokNodeAnnotation = "kwok.x-k8s.io/node"
)

// simNode is a Node object and the kwok process that plays its kubelet.
type simNode struct {
	name  string
	index int
	kwok  *process
}

// podCIDR gives each node its own /16, so kwok processes never hand out the
// same pod IP and a node holds far more than 254 pods.
func (n *simNode) podCIDR() string { return fmt.Sprintf("10.%d.0.0/16", 100+n.index) }

func (n *simNode) nodeIP() string { return fmt.Sprintf("10.99.%d.%d", n.index/256, n.index%256) }

// nodeObject is the Node as created: labelled, annotated for its kwok
// process, with capacity and no taint, so plain pods schedule on it.
func (c *Cluster) nodeObject(n *simNode) *corev1.Node {
	labels := map[string]string{
		NodeTypeLabel:          "kwok",
		corev1.LabelHostname:   n.name,
		corev1.LabelOSStable:   "linux",
		corev1.LabelArchStable: "amd64",
	}
	for k, v := range c.opts.NodeLabels {
		labels[k] = v
	}
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name:        n.name,
			Labels:      labels,
			Annotations: map[string]string{kwokNodeAnnotation: n.name},
		},
		Spec: corev1.NodeSpec{PodCIDR: n.podCIDR(), PodCIDRs: []string{n.podCIDR()}},
		// Node status may be set on create; kwok's stages keep it.
		Status: corev1.NodeStatus{
			Capacity:    c.opts.NodeCapacity.DeepCopy(),
			Allocatable: c.opts.NodeCapacity.DeepCopy(),
		},
	}
}

// kwokArgs manage exactly one node, renew its lease, and load the stage
// files that make nodes Ready and pods Running.
func (c *Cluster) kwokArgs(n *simNode) []string {
	args := []string{
		"--kubeconfig=" + c.kwokKubeconfig,
		"--manage-nodes-with-annotation-selector=" + kwokNodeAnnotation + "=" + n.name,
		"--node-lease-duration-seconds=" + strconv.Itoa(int(c.opts.NodeLeaseDuration/time.Second)),
		"--node-name=" + n.name,
		"--node-ip=" + n.nodeIP(),
		"--cidr=" + n.podCIDR(),
	}
	for _, f := range c.kwokStages {
		args = append(args, "--config="+f)
	}
	if c.opts.DisregardStatusSelector {
		args = append(args, "--disregard-status-with-annotation-selector="+DisregardStatusAnnotation+"=true")
	}
	return args
}

// kwokEnv points kwok's home at the work folder, so a user's
// ~/.kwok/kwok.yaml never leaks into the simulation.
func (c *Cluster) kwokEnv() []string { return []string{"HOME=" + filepath.Join(c.dir, "kwok-home")} }

// stageFiles lists the kwok stage files to load.
func stageFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("reading kwok stages: %w", err)
	}
	var files []string
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".yaml") {
			files = append(files, filepath.Join(dir, e.Name()))
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no kwok stage files in %s", dir)
	}
	return files, nil
}

// addNode creates the next Node object and starts its kwok process; it does
// not wait for the node to become Ready.
func (c *Cluster) addNode(ctx context.Context) (*simNode, error) {
	c.mu.Lock()
	n := &simNode{index: len(c.nodes) + 1}
	n.name = NodeNamePrefix + strconv.Itoa(n.index)
	if n.index > maxNodes {
		c.mu.Unlock()
		return nil, fmt.Errorf("adding node %s: at most %d nodes", n.name, maxNodes)
	}
	c.nodes = append(c.nodes, n)
	c.mu.Unlock()
	if err := c.client.Create(ctx, c.nodeObject(n)); err != nil && !apierrors.IsAlreadyExists(err) {
		return nil, fmt.Errorf("creating node %s: %w", n.name, err)
	}
	return n, c.startKwok(n)
}

// startKwok starts the node's kwok process and, beside it, the status sync
// a kubelet would do (see syncStatus).
func (c *Cluster) startKwok(n *simNode) error {
	started := time.Now()
	p, err := c.startComponent("kwok-"+n.name, "kwok", c.kwokArgs(n), c.kwokEnv())
	if err != nil {
		return fmt.Errorf("starting kwok for node %s: %w", n.name, err)
	}
	c.mu.Lock()
	n.kwok = p
	c.mu.Unlock()
	go c.syncStatus(n.name, p, started)
	return nil
}

func (c *Cluster) node(name string) (*simNode, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	i := slices.IndexFunc(c.nodes, func(n *simNode) bool { return n.name == name })
	if i < 0 {
		return nil, fmt.Errorf("no simulated node %q", name)
	}
	return c.nodes[i], nil
}

// NodeNames lists the simulated nodes in creation order.
func (c *Cluster) NodeNames() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	names := make([]string, 0, len(c.nodes))
	for _, n := range c.nodes {
		names = append(names, n.name)
	}
	return names
}

// KillNode SIGKILLs the node's kwok process: the node is lost. Its lease
// stops, the node lifecycle controller marks it NotReady after
// NodeMonitorGracePeriod and taints it NoExecute; its pods are evicted after
// their toleration and then stay Terminating, since no kubelet confirms.
func (c *Cluster) KillNode(name string) error {
	n, err := c.node(name)
	if err != nil {
		return err
	}
	c.mu.Lock()
	p := n.kwok
	c.mu.Unlock()
	if p == nil || p.exited() {
		return fmt.Errorf("killing node %s: its kwok process is not running", name)
	}
	p.kill()
	c.opts.Log("simcluster: node %s lost (kwok pid %d killed)", name, p.pid())
	return nil
}

// RestartNode starts the node's kwok process again: the node comes back,
// turns Ready once the old lease has expired, and finishes deleting the
// pods that were Terminating on it.
func (c *Cluster) RestartNode(name string) error {
	n, err := c.node(name)
	if err != nil {
		return err
	}
	c.mu.Lock()
	running := n.kwok != nil && !n.kwok.exited()
	c.mu.Unlock()
	if running {
		return fmt.Errorf("restarting node %s: its kwok process is still running", name)
	}
	if err := c.startKwok(n); err != nil {
		return err
	}
	c.opts.Log("simcluster: node %s restarted", name)
	return nil
}

// AddNode adds one simulated node and waits until it is Ready.
func (c *Cluster) AddNode(ctx context.Context) (string, error) {
	n, err := c.addNode(ctx)
	if err != nil {
		return "", err
	}
	if err := c.waitNodesReady(ctx, []*simNode{n}); err != nil {
		return "", err
	}
	c.opts.Log("simcluster: node %s added", n.name)
	return n.name, nil
}

// waitNodesReady waits until every given node reports Ready=True and
// carries no taint. The API server taints every new node not-ready, and the
// node lifecycle controller lifts the taint only after it has seen the node
// Ready: on a loaded machine a node can be Ready and still unschedulable.
func (c *Cluster) waitNodesReady(ctx context.Context, nodes []*simNode) error {
	for _, n := range nodes {
		err := waitFor(ctx, "node "+n.name+" Ready and untainted", 60*time.Second, n.kwok, func(ctx context.Context) (bool, error) {
			var node corev1.Node
			if err := c.client.Get(ctx, client.ObjectKey{Name: n.name}, &node); err != nil {
				return false, client.IgnoreNotFound(err)
			}
			return NodeReady(&node) && len(node.Spec.Taints) == 0, nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// NodeReady reports whether a node's Ready condition is True.
func NodeReady(node *corev1.Node) bool {
	for _, cond := range node.Status.Conditions {
		if cond.Type == corev1.NodeReady {
			return cond.Status == corev1.ConditionTrue
		}
	}
	return false
}
