/*
Copyright 2026 The ray-ha-operator Authors.
*/

package simcluster

import (
	"fmt"
	"os/exec"
	"regexp"
	"time"

	"github.com/ray-ha-operator/ray-ha-operator/test/testbin"
)

// Kubernetes' own node-loss timings, for a simulated cluster that loses
// nodes as a production cluster does rather than in the tests' few
// seconds. The node lifecycle controller's come from the
// kube-controller-manager binary the cluster runs (its --help states them);
// the others are defaults of components the simulated cluster does not
// run, so they are constants here.
const (
	// KubeletNodeLeaseDuration is the kubelet's nodeLeaseDurationSeconds
	// default; it renews the Lease every quarter of it (10 s), as kwok does.
	KubeletNodeLeaseDuration = 40 * time.Second
	// KubeTolerationSeconds is kube-apiserver's
	// --default-not-ready-toleration-seconds and
	// --default-unreachable-toleration-seconds default.
	KubeTolerationSeconds = 300
)

// ControllerManagerTimings are the node lifecycle controller's timings.
type ControllerManagerTimings struct {
	NodeMonitorGracePeriod time.Duration
	NodeMonitorPeriod      time.Duration
}

// ControllerManagerDefaults reads the node lifecycle controller's default
// timings from the --help of the kube-controller-manager in the test
// binaries, so the profile follows the Kubernetes version we build.
func ControllerManagerDefaults() (ControllerManagerTimings, error) {
	bin, err := testbin.Path("kube-controller-manager")
	if err != nil {
		return ControllerManagerTimings{}, err
	}
	// --help exits 0 on current versions; the text is what matters.
	out, _ := exec.Command(bin, "--help").CombinedOutput()
	return parseControllerManagerDefaults(string(out))
}

func parseControllerManagerDefaults(help string) (ControllerManagerTimings, error) {
	var t ControllerManagerTimings
	for flag, into := range map[string]*time.Duration{
		"node-monitor-grace-period": &t.NodeMonitorGracePeriod,
		"node-monitor-period":       &t.NodeMonitorPeriod,
	} {
		d, err := flagDefault(help, flag)
		if err != nil {
			return ControllerManagerTimings{}, err
		}
		*into = d
	}
	return t, nil
}

// flagDefault finds "--flag duration ... (default 50s)" in a --help text;
// a flag's description ends at the next line that starts a flag.
func flagDefault(help, flag string) (time.Duration, error) {
	re := regexp.MustCompile(`(?m)^\s*--` + regexp.QuoteMeta(flag) + ` duration\b(?:[^\n]|\n\s+[^-\s])*?\(default ([0-9a-z.]+)\)`)
	m := re.FindStringSubmatch(help)
	if m == nil {
		return 0, fmt.Errorf("kube-controller-manager --help states no default for --%s", flag)
	}
	d, err := time.ParseDuration(m[1])
	if err != nil {
		return 0, fmt.Errorf("kube-controller-manager --%s default %q: %w", flag, m[1], err)
	}
	return d, nil
}

// ProductionProfile returns o with Kubernetes' default node-loss timings:
// the node lifecycle controller's grace and period (read from the binary),
// the kubelet's 40 s lease, and the API server's 300 s tolerations. Node
// capacity is the caller's (Options.NodeCapacity): give nodes room for a
// few pods so that a full cluster leaves a head Pending.
func ProductionProfile(o Options) (Options, error) {
	kcm, err := ControllerManagerDefaults()
	if err != nil {
		return Options{}, fmt.Errorf("production profile: %w", err)
	}
	o.NodeMonitorGracePeriod = kcm.NodeMonitorGracePeriod
	o.NodeMonitorPeriod = kcm.NodeMonitorPeriod
	o.NodeLeaseDuration = KubeletNodeLeaseDuration
	o.NotReadyTolerationSeconds = KubeTolerationSeconds
	o.UnreachableTolerationSeconds = KubeTolerationSeconds
	return o, nil
}
