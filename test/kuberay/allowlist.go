package kuberay

import (
	"regexp"
	"strings"
)

// allowed is one documented, deliberate difference from KubeRay. It
// matches one property exactly (field and name); Pod, KubeRay and Ours,
// when set, narrow it further to that pod role ("head" or "worker") and
// those exact values; Match, when set, must hold too (When says in words
// what it checks).
type allowed struct {
	Field, Name string
	Pod         string
	KubeRay     string
	Ours        string
	Match       func(d Difference, kuberay, ours Facts) bool
	When        string
	Reason      string
}

// Reasons shared by several entries.
const (
	reasonLabels     = "app.kubernetes.io labels name our operator and its Helm release, not KubeRay; Ray never reads them"
	reasonProbePorts = "our probes ask the ports rayStartParams set (dashboard-agent-listen-port, dashboard-port); " +
		"KubeRay's always ask the defaults 52365 and 8265, so they fail when those ports are moved"
	reasonHealthz = "Ray 2.53 and later serve /api/healthz on the dashboard agent, which checks the raylet and, " +
		"on the head, the GCS: one HTTP probe instead of KubeRay's wget of the two older endpoints"
	reasonLegacyPassword = "a literal redis-password in rayStartParams (legacy GCS FT) is passed to ray start " +
		"as $REDIS_PASSWORD, which KubeRay also sets to it, so the password stays off the command line"
)

// allowList is every deliberate difference. Keep it short and exact: each
// entry is a promise, written in docs/compatibility.md, that the
// difference does not change what Ray does, or changes it on purpose.
var allowList = append([]allowed{
	{Field: fieldEnv, Name: "RAY_USAGE_STATS_KUBERAY_IN_USE", Ours: absent,
		Reason: "KubeRay's telemetry marker tells Ray's usage stats that KubeRay runs the cluster, which is not so here"},
	{Field: fieldEnv, Name: "RAY_USAGE_STATS_EXTRA_TAGS", Pod: "head", Ours: absent,
		Reason: "KubeRay's telemetry tags report KubeRay's version and CRD, which are not ours"},
	{Field: fieldRayStart, Name: nameExec, KubeRay: "no", Ours: "yes",
		Reason: "exec makes ray start the container's main process, so it receives the kubelet's SIGTERM itself"},
	{Field: fieldLabel, Name: "app.kubernetes.io/name", KubeRay: "kuberay", Reason: reasonLabels},
	{Field: fieldLabel, Name: "app.kubernetes.io/created-by", KubeRay: "kuberay-operator", Reason: reasonLabels},
	{Field: fieldLabel, Name: "app.kubernetes.io/component", KubeRay: absent, Reason: reasonLabels},
	{Field: fieldLabel, Name: "app.kubernetes.io/instance", KubeRay: absent, Reason: reasonLabels},
	{Field: fieldLabel, Name: "app.kubernetes.io/managed-by", KubeRay: absent, Reason: reasonLabels},
	{Field: fieldLabel, Name: "app.kubernetes.io/part-of", KubeRay: absent, Reason: reasonLabels},
	{Field: fieldProbe, Name: "liveness", Match: probePortsFollowParams, When: whenProbePorts, Reason: reasonProbePorts},
	{Field: fieldProbe, Name: "readiness", Match: probePortsFollowParams, When: whenProbePorts, Reason: reasonProbePorts},
	{Field: fieldProbe, Name: "liveness", Match: healthzProbe, When: whenHealthz, Reason: reasonHealthz},
	{Field: fieldProbe, Name: "readiness", Match: healthzProbe, When: whenHealthz, Reason: reasonHealthz},
	{Field: fieldPort, Name: "metrics", KubeRay: "8080/TCP", Match: metricsPortFollowsParam,
		When:   "ours is rayStartParams' metrics-export-port",
		Reason: "the port named metrics is where Ray exports metrics (metrics-export-port); KubeRay always names 8080"},
	{Field: "admission", Name: "", Pod: "cluster", Ours: "accepted", Match: suspendedGroupRefused,
		When:   "KubeRay refuses a suspended worker group (its RayJobDeletionPolicy feature gate is off by default)",
		Reason: "per-group suspend is supported (issue 15); KubeRay v1.5 builds the same pods once its gate is on"},
	{Field: fieldRayStart, Name: "redis-password", Pod: "head", Ours: "${REDIS_PASSWORD}", Match: legacyPasswordInEnv,
		When: "env REDIS_PASSWORD holds KubeRay's value", Reason: reasonLegacyPassword},
	{Field: fieldGenerated, Name: "redis-password", Pod: "head", Ours: "${REDIS_PASSWORD}", Match: legacyPasswordInEnv,
		When: "env REDIS_PASSWORD holds KubeRay's value", Reason: reasonLegacyPassword},
}, append(networkAllowList, autoscalerAllowList...)...)

// allowReason returns the reason of the allow-list entry that covers d
// (with both pods' facts, for entries that check them), or "".
func allowReason(d Difference, kuberay, ours Facts) string {
	for _, a := range allowList {
		if a.Field != d.Field || a.Name != d.Name {
			continue
		}
		if a.Pod != "" && d.Pod != a.Pod && !strings.HasPrefix(d.Pod, a.Pod+" ") {
			continue
		}
		if (a.KubeRay != "" && a.KubeRay != d.KubeRay) || (a.Ours != "" && a.Ours != d.Ours) {
			continue
		}
		if a.Match != nil && (kuberay == nil || ours == nil || !a.Match(d, kuberay, ours)) {
			continue
		}
		return a.Reason
	}
	return ""
}

var endpoint = regexp.MustCompile(`^HTTP :(\d+)(/\S*)$`)

// endpoints splits a probe fact ("HTTP :port/path + ...") into ports and
// paths; ok is false for anything else (a user's probe, "none").
func endpoints(v string) (ports, paths []string, ok bool) {
	for _, e := range strings.Split(v, " + ") {
		m := endpoint.FindStringSubmatch(e)
		if m == nil {
			return nil, nil, false
		}
		ports, paths = append(ports, m[1]), append(paths, m[2])
	}
	return ports, paths, true
}

// healthPort is the port a health path is served on in a pod, from its
// final ray start parameters (Ray's defaults when unset).
func healthPort(path string, f Facts) string {
	if path == "/api/gcs_healthz" {
		if p, ok := f[Fact{fieldRayStart, "dashboard-port"}]; ok {
			return p
		}
		return "8265"
	}
	if p, ok := f[Fact{fieldRayStart, "dashboard-agent-listen-port"}]; ok {
		return p
	}
	return "52365"
}

const whenProbePorts = "same health paths; our ports are the ones rayStartParams set"

// probePortsFollowParams: both probes ask the same paths, and each of our
// ports is where the pod's ray start serves that path.
func probePortsFollowParams(d Difference, _, ours Facts) bool {
	_, kPaths, ok1 := endpoints(d.KubeRay)
	oPorts, oPaths, ok2 := endpoints(d.Ours)
	if !ok1 || !ok2 || strings.Join(kPaths, " ") != strings.Join(oPaths, " ") {
		return false
	}
	for i, p := range oPaths {
		if oPorts[i] != healthPort(p, ours) {
			return false
		}
	}
	return true
}

const whenHealthz = "rayVersion 2.53 or later; KubeRay checks /api/local_raylet_healthz (and /api/gcs_healthz on the head), ours /api/healthz on the agent port"

// healthzProbe: KubeRay asks the raylet (and on the head the GCS)
// endpoints; ours asks only /api/healthz, on the agent port.
func healthzProbe(d Difference, _, ours Facts) bool {
	_, kPaths, ok1 := endpoints(d.KubeRay)
	oPorts, oPaths, ok2 := endpoints(d.Ours)
	if !ok1 || !ok2 || len(oPaths) != 1 || oPaths[0] != "/api/healthz" {
		return false
	}
	want := "/api/local_raylet_healthz"
	if strings.HasPrefix(d.Pod, "head") {
		want += " /api/gcs_healthz"
	}
	return strings.Join(kPaths, " ") == want && oPorts[0] == healthPort("/api/healthz", ours)
}

// metricsPortFollowsParam: our metrics port is the pod's
// metrics-export-port.
func metricsPortFollowsParam(d Difference, _, ours Facts) bool {
	p, ok := ours[Fact{fieldRayStart, "metrics-export-port"}]
	return ok && d.Ours == p+"/TCP"
}

// suspendedGroupRefused: KubeRay's only objection is a suspended worker
// group without its feature gate.
func suspendedGroupRefused(d Difference, _, _ Facts) bool {
	return strings.HasPrefix(d.KubeRay, "rejected: worker group ") &&
		strings.HasSuffix(d.KubeRay, " can be suspended only when the RayJobDeletionPolicy feature gate is enabled")
}

// legacyPasswordInEnv: our head's REDIS_PASSWORD holds the literal that
// KubeRay passes on the command line.
func legacyPasswordInEnv(d Difference, _, ours Facts) bool {
	return ours[Fact{fieldEnv, "REDIS_PASSWORD"}] == d.KubeRay
}
