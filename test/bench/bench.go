/*
Copyright 2026 The ray-ha-operator Authors.
*/

package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/ray-ha-operator/ray-ha-operator/internal/operator"
	"github.com/ray-ha-operator/ray-ha-operator/test/simcluster"
	"github.com/ray-ha-operator/ray-ha-operator/test/testbin"
)

// Result is everything one bench run measured; it is what
// docs/benchmarks.json holds.
type Result struct {
	Started         time.Time      `json:"started"`
	DurationSeconds float64        `json:"durationSeconds"`
	Command         string         `json:"command"`
	Settings        Settings       `json:"settings"`
	Machine         Machine        `json:"machine"`
	Versions        Versions       `json:"versions"`
	Recovery        []ModeResult   `json:"recovery"`
	Steady          []SteadyResult `json:"steadyState"`
	Scale           []ScaleResult  `json:"scale"`
	Versus          []VersusResult `json:"versus,omitempty"`
	Budgets         []Budget       `json:"budgets"`
	// NodeLossProduction is the nodeloss-production phase (nil when not run).
	NodeLossProduction *NodeLossResult `json:"nodeLossProduction,omitempty"`
}

// Settings are the sizes and bounds of the run.
type Settings struct {
	Runs                 int     `json:"runsPerMode"`
	NodeLostGraceSeconds float64 `json:"nodeLostGraceSeconds"`
	StuckGraceSeconds    float64 `json:"stuckTerminatingGraceSeconds"`
	RestartDelaySeconds  float64 `json:"containerRestartDelaySeconds"`
	Reconciles           int     `json:"steadyReconciles"`
	Clusters             int     `json:"clusters"`
	Nodes                int     `json:"nodes"`
	OperatorQPS          float32 `json:"operatorQPS"`
	OperatorBurst        int     `json:"operatorBurst"`
	// The leader-failover mode's timings: the operators' lease (the
	// shipped default) and the node lifecycle controller's grace.
	LeaseDurationSeconds    float64 `json:"leaseDurationSeconds"`
	NodeMonitorGraceSeconds float64 `json:"nodeMonitorGraceSeconds"`
}

// Run starts a simulated cluster with Redis and runs the three phases in
// order: recovery latency, steady-state cost, scale.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if cfg.Log == nil {
		cfg.Log = func(string, ...any) {}
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	root, err := testbin.ModuleRoot()
	if err != nil {
		return nil, fmt.Errorf("finding the module root: %w", err)
	}
	logDir := filepath.Join(cfg.Dir, "operator-logs")
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		return nil, fmt.Errorf("creating %s: %w", logDir, err)
	}
	res := &Result{Started: time.Now().UTC().Truncate(time.Second), Machine: readMachine(), Settings: settingsOf(cfg)}
	if cfg.onlyNodeLoss() {
		return runNodeLossOnly(ctx, cfg, root, logDir, res)
	}
	if cfg.runsOperatorPhases() {
		if err := runOnSharedEnv(ctx, cfg, root, logDir, res); err != nil {
			return res, err
		}
	}
	if cfg.runs(versusPhase) {
		if res.Versions.Go == "" {
			res.Versions = readVersions(ctx, nil, root)
		}
		if res.Versus, err = runVersus(ctx, cfg, logDir, &res.Versions); err != nil {
			return res, fmt.Errorf("%w (operator logs in %s)", err, logDir)
		}
	}
	res.Budgets = checkBudgets(res, cfg)
	res.DurationSeconds = round3(time.Since(res.Started).Seconds())
	return res, nil
}

// runOnSharedEnv runs the recovery, steady and scale phases on one
// simulated cluster, stopped before the versus phase starts its own.
func runOnSharedEnv(ctx context.Context, cfg Config, root, logDir string, res *Result) error {
	cfg.Log("starting a simulated cluster of %d nodes", cfg.nodes())
	e, err := startEnv(ctx, cfg.Dir, cfg.nodes(), cfg.Log)
	if err != nil {
		return err
	}
	defer e.stop()
	e.qps, e.burst = cfg.OperatorQPS, cfg.OperatorBurst
	res.Versions = readVersions(ctx, e.cluster.RESTConfig(), root)
	if err := runPhases(ctx, e, cfg, root, logDir, res); err != nil {
		return fmt.Errorf("%w (operator logs in %s)", err, logDir)
	}
	return nil
}

func runPhases(ctx context.Context, e *env, cfg Config, root, logDir string, res *Result) error {
	var err error
	if cfg.runs("recovery") {
		cfg.Log("recovery latency: %d runs per mode", cfg.Runs)
		op, err := e.startLoggedOperator(ctx, operatorOptions{}, logDir, "recovery")
		if err != nil {
			return err
		}
		res.Recovery, err = runRecovery(ctx, e, cfg)
		op.stop()
		if err != nil {
			return err
		}
		if cfg.runsMode(failoverMode) {
			cfg.Log("recovery latency across a leader failover: %d runs", cfg.Runs)
			failover, err := runFailover(ctx, e, cfg, logDir)
			if err != nil {
				return err
			}
			res.Recovery = append(res.Recovery, failover)
		}
	}
	if cfg.runs("steady") {
		cfg.Log("steady-state reconcile cost: %d reconciles per path", cfg.Reconciles)
		if res.Steady, err = runSteady(ctx, e, cfg, logDir); err != nil {
			return err
		}
	}
	if cfg.runs("scale") && cfg.Scale > 0 {
		cfg.Log("scale: %v RayClusters", scaleStages(cfg.Scale))
		if res.Scale, err = runScale(ctx, e, cfg, logDir); err != nil {
			return err
		}
	}
	// Opt-in: it starts its own clusters and takes minutes per run.
	if contains(cfg.Phases, nodeLossPhase) {
		cfg.Log("%s: head node lost on production timings, with and without the spare, %d run(s) each", nodeLossPhase, cfg.NodeLoss.Runs)
		if err := runNodeLossProduction(ctx, cfg, root, logDir, res); err != nil {
			return err
		}
	}
	return nil
}

func settingsOf(cfg Config) Settings {
	return Settings{
		Runs: cfg.Runs, NodeLostGraceSeconds: cfg.NodeLostGrace.Seconds(), StuckGraceSeconds: cfg.StuckGrace.Seconds(),
		RestartDelaySeconds: cfg.RestartDelay.Seconds(), Reconciles: cfg.Reconciles, Clusters: cfg.Scale, Nodes: cfg.nodes(),
		OperatorQPS: cfg.OperatorQPS, OperatorBurst: cfg.OperatorBurst,
		LeaseDurationSeconds: operator.DefaultLeaseDuration.Seconds(), NodeMonitorGraceSeconds: simcluster.DefaultNodeMonitorGracePeriod.Seconds(),
	}
}
