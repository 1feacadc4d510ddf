/*
Copyright 2026 The ray-ha-operator Authors.
*/

package bench

import (
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ray-ha-operator/ray-ha-operator/internal/operator"
)

// Config sizes a bench run. The zero value is not usable; start from
// DefaultConfig (the full run) or SmokeConfig (the test).
type Config struct {
	// Runs is the number of failures per recovery mode.
	Runs int
	// Modes limits the recovery modes (empty: all).
	Modes []string
	// NodeLostGrace is the node-lost grace set on the clusters of the
	// node-lost mode; StuckGrace the stuck-Terminating grace of the others.
	NodeLostGrace, StuckGrace time.Duration
	// RestartDelay is how long the simulated kubelet takes to restart an
	// exited Ray container in place.
	RestartDelay time.Duration
	// Reconciles is the number of steady-state reconciles measured per path.
	Reconciles int
	// Scale is K, the number of RayClusters of the scale phase; it also
	// runs with K/4 to show the growth. Zero skips the phase.
	Scale int
	// Nodes is the number of simulated nodes (0: enough for Scale).
	Nodes int
	// Phases limits the phases (empty: recovery, steady, scale, versus);
	// nodeloss-production runs only when named.
	Phases []string
	// Versus are the sizes (K RayClusters) of the versus phase, which
	// runs KubeRay's operator and this one side by side.
	Versus []int
	// OperatorQPS and OperatorBurst are the operator's client rate limit;
	// the defaults are what main.go runs with (controller-runtime's).
	OperatorQPS   float32
	OperatorBurst int
	// HeapProfile, when set, receives a heap profile taken when the
	// largest scale stage is Ready.
	HeapProfile string
	// CPUProfile, when set, receives a CPU profile of the largest scale
	// stage, from the first create until all are Ready.
	CPUProfile string
	// NodeLoss sizes the nodeloss-production phase.
	NodeLoss NodeLossConfig
	// Dir holds the cluster's files and the operator's log.
	Dir string
	// Log receives progress lines.
	Log func(format string, args ...any)
}

// DefaultConfig is the documented full run: about ten minutes on two cores.
func DefaultConfig() Config {
	return Config{
		Runs: 5, NodeLostGrace: 5 * time.Second, StuckGrace: time.Second, RestartDelay: time.Second,
		Reconciles: 20, Scale: 200, OperatorQPS: operator.DefaultKubeAPIQPS, OperatorBurst: operator.DefaultKubeAPIBurst,
		Versus: []int{200}, NodeLoss: DefaultNodeLossConfig(),
	}
}

// SmokeConfig is the smallest run that still exercises every phase.
func SmokeConfig() Config {
	c := DefaultConfig()
	c.Runs, c.Reconciles, c.Scale, c.Versus = 1, 3, 4, nil
	return c
}

// Bind registers the flags that change c.
func (c *Config) Bind(fs *flag.FlagSet) {
	fs.IntVar(&c.Runs, "runs", c.Runs, "failures per recovery mode")
	fs.DurationVar(&c.NodeLostGrace, "node-lost-grace", c.NodeLostGrace, "node-lost grace of the node-lost mode's clusters (whole seconds)")
	fs.DurationVar(&c.StuckGrace, "stuck-grace", c.StuckGrace, "stuck-Terminating grace (whole seconds)")
	fs.DurationVar(&c.RestartDelay, "restart-delay", c.RestartDelay, "how long the simulated kubelet takes to restart an exited container")
	fs.IntVar(&c.Reconciles, "reconciles", c.Reconciles, "steady-state reconciles measured per path")
	fs.IntVar(&c.Scale, "clusters", c.Scale, "K: RayClusters of the scale phase (also run with K/4); 0 skips it")
	fs.IntVar(&c.Nodes, "nodes", c.Nodes, "simulated nodes (0: at least 3, enough for the scale phase)")
	c.NodeLoss.bind(fs)
	fs.Func("phases", "comma-separated phases to run (default: recovery, steady, scale, versus; "+nodeLossPhase+" only when named)", func(v string) error {
		c.Phases = strings.Split(v, ",")
		return nil
	})
	fs.Func("versus-clusters", "comma-separated sizes (RayClusters) of the versus phase, KubeRay's operator and this one side by side (default 200), e.g. 200,1000", func(v string) error {
		sizes, err := parseSizes(v)
		c.Versus = sizes
		return err
	})
	fs.Func("operator-qps", "the operator's client rate limit, requests a second (main.go's --kube-api-qps)", func(v string) error {
		f, err := strconv.ParseFloat(v, 32)
		c.OperatorQPS = float32(f)
		return err
	})
	fs.IntVar(&c.OperatorBurst, "operator-burst", c.OperatorBurst, "the operator's client burst (main.go's --kube-api-burst)")
	fs.StringVar(&c.CPUProfile, "cpu-profile", c.CPUProfile, "write a CPU profile of the largest scale stage (create to all Ready) here")
	fs.StringVar(&c.HeapProfile, "heap-profile", c.HeapProfile, "write a heap profile here when the largest scale stage is Ready")
}

// runsMode reports whether recovery mode name is selected.
func (c Config) runsMode(name string) bool { return len(c.Modes) == 0 || contains(c.Modes, name) }

// runs reports whether phase is selected. The versus phase also needs a
// size (SmokeConfig has none: it starts two clusters of its own per size).
func (c Config) runs(phase string) bool {
	if phase == versusPhase && len(c.Versus) == 0 {
		return false
	}
	return len(c.Phases) == 0 || contains(c.Phases, phase)
}

const versusPhase = "versus"

// runsOperatorPhases reports whether a phase that runPhases runs (after
// starting the shared cluster) is selected.
func (c Config) runsOperatorPhases() bool {
	return c.runs("recovery") || c.runs("steady") || (c.runs("scale") && c.Scale > 0) || contains(c.Phases, nodeLossPhase)
}

// parseSizes reads "200,1000".
func parseSizes(v string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("size %q: want a positive number", f)
		}
		out = append(out, n)
	}
	return out, nil
}

func (c Config) validate() error {
	switch {
	case c.Runs < 1:
		return fmt.Errorf("bench config: runs %d, want at least 1", c.Runs)
	case c.Reconciles < 1:
		return fmt.Errorf("bench config: reconciles %d, want at least 1", c.Reconciles)
	case c.Scale < 0:
		return fmt.Errorf("bench config: clusters %d, want 0 or more", c.Scale)
	case c.NodeLostGrace%time.Second != 0 || c.StuckGrace%time.Second != 0:
		return fmt.Errorf("bench config: graces must be whole seconds (the annotations take seconds)")
	case c.Dir == "":
		return fmt.Errorf("bench config: a work folder is required")
	}
	for _, p := range c.Phases {
		if !contains([]string{"recovery", "steady", "scale", versusPhase, nodeLossPhase}, p) {
			return fmt.Errorf("bench config: unknown phase %q", p)
		}
	}
	if contains(c.Phases, nodeLossPhase) {
		if err := c.NodeLoss.validate(); err != nil {
			return err
		}
	}
	if c.OperatorQPS <= 0 || c.OperatorBurst < 1 {
		return fmt.Errorf("bench config: operator rate limit %v/s, burst %d: both must be positive", c.OperatorQPS, c.OperatorBurst)
	}
	for _, m := range c.Modes {
		if findMode(m) == nil {
			return fmt.Errorf("bench config: unknown recovery mode %q", m)
		}
	}
	return nil
}

// nodes is the simulated cluster's size: three at least (a lost node must
// leave a healthy majority, or the node controller evicts nothing), and room
// for three pods per cluster at 1,000 pods a node with one node spare.
func (c Config) nodes() int { return c.nodesFor(c.Scale) }

// nodesFor is nodes for k clusters.
func (c Config) nodesFor(k int) int {
	if c.Nodes > 0 {
		return c.Nodes
	}
	n := (3*k+999)/1000 + 1
	if n < 3 {
		n = 3
	}
	return n
}
