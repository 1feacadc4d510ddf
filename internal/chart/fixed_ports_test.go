package chart

import (
	"strings"
	"testing"
)

// TestPortsTheChartRenders: the metrics port and the probes' port come
// from rayStartParams; a value Ray accepts but no pod field can hold (0,
// a shell word such as $RANDOM) is a render error naming the field, unless
// the user gives what the chart would have derived from it.
func TestPortsTheChartRenders(t *testing.T) {
	const ownProbes = `
          livenessProbe: {tcpSocket: {port: 6379}}
          readinessProbe: {tcpSocket: {port: 6379}}`
	const ownMetricsPort = `
          ports: [{name: metrics, containerPort: 9000}]`
	cases := map[string]struct {
		params, container string
		wantErr           string // empty: renders
	}{
		"defaults":    {},
		"fixed ports": {params: `{dashboard-agent-listen-port: "52366", metrics-export-port: "9090"}`},
		"agent port 0": {params: `{dashboard-agent-listen-port: "0"}`,
			wantErr: `workerGroupSpecs[0].rayStartParams.dashboard-agent-listen-port: "0" is not a fixed port`},
		"agent port out of range": {params: `{dashboard-agent-listen-port: "70000"}`,
			wantErr: `workerGroupSpecs[0].rayStartParams.dashboard-agent-listen-port: "70000" is not a fixed port`},
		"agent port 0 with the user's probes": {params: `{dashboard-agent-listen-port: "0"}`, container: ownProbes},
		"agent port 0 with one probe of the user's": {params: `{dashboard-agent-listen-port: "0"}`,
			container: "\n          livenessProbe: {tcpSocket: {port: 6379}}",
			wantErr:   `dashboard-agent-listen-port: "0" is not a fixed port, and the chart needs one for the Ray container's probes`},
		"metrics port from the shell": {params: `{metrics-export-port: "$RANDOM"}`,
			wantErr: `workerGroupSpecs[0].rayStartParams.metrics-export-port: "$RANDOM" is not a fixed port`},
		"metrics port from the shell with the user's metrics port": {params: `{metrics-export-port: "$RANDOM"}`, container: ownMetricsPort},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			params := tc.params
			if params == "" {
				params = "{}"
			}
			values := `
workerGroupSpecs:
  - groupName: small
    replicas: 1
    rayStartParams: ` + params + `
    template:
      spec:
        containers:
        - name: ray-worker
          image: rayproject/ray:2.60.0` + tc.container + "\n"
			_, err := Render(testChart(t), testRelease, testNamespace, parseValues(t, values))
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("render: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("render error %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
}

// TestHeadPortsNamedByField: the head's error names headGroupSpec.
func TestHeadPortsNamedByField(t *testing.T) {
	_, err := Render(testChart(t), testRelease, testNamespace, parseValues(t, `
headGroupSpec:
  rayStartParams: {dashboard-agent-listen-port: "0"}
`))
	want := `headGroupSpec.rayStartParams.dashboard-agent-listen-port: "0" is not a fixed port`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("render error %v, want one containing %q", err, want)
	}
}
