/*
Copyright 2026 The ray-ha-operator Authors.
*/

package bench

import (
	"reflect"
	"strings"
	"testing"
)

func TestRatio(t *testing.T) {
	tests := map[string]struct {
		ours, theirs float64
		want         string
	}{
		"twice":          {ours: 44.6, theirs: 22.3, want: "2.00"},
		"less":           {ours: 1, theirs: 4, want: "0.25"},
		"equal":          {ours: 3, theirs: 3, want: "1.00"},
		"nothing theirs": {ours: 5, theirs: 0, want: "-"},
		"nothing ours":   {ours: 0, theirs: 5, want: "0.00"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := ratio(tc.ours, tc.theirs); got != tc.want {
				t.Errorf("ratio(%v, %v) = %q, want %q", tc.ours, tc.theirs, got, tc.want)
			}
		})
	}
}

func TestSummaryCell(t *testing.T) {
	tests := map[string]struct {
		s    Summary
		want string
	}{
		"measured":     {s: Summary{N: 3, P50: 0.123, P90: 1.5, Max: 2}, want: "0.12 / 1.50 / 2.00"},
		"not measured": {s: Summary{}, want: "-"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := summaryCell(tc.s); got != tc.want {
				t.Errorf("summaryCell = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestVersusRows(t *testing.T) {
	x := VersusResult{Clusters: 200,
		KubeRay: VersusSide{Operator: "KubeRay v1.5.0", AllRunningSeconds: 20, AllReadySeconds: 22, CPUSeconds: 2.5, Requests: 1800, Writes: 1800},
		Ours: VersusSide{Operator: "ray-ha-operator", AllRunningSeconds: 40, AllReadySeconds: 44, CPUSeconds: 15, Requests: 2800, Writes: 1800,
			OwnerToPod: Summary{N: 400, P50: 0.5, P90: 1, Max: 2}},
	}
	rows := map[string]versusRow{}
	for _, r := range versusRows(x) {
		rows[r.name] = r
	}
	tests := map[string]versusRow{
		"all 400 pods Running (s)":        {"all 400 pods Running (s)", "20.0", "40.0", "2.00"},
		"all 200 RayClusters `ready` (s)": {"all 200 RayClusters `ready` (s)", "22.0", "44.0", "2.00"},
		"operator CPU (s)":                {"operator CPU (s)", "2.5", "15.0", "6.00"},
		"of which writes":                 {"of which writes", "1800", "1800", "1.00"},
		"requests per cluster":            {"requests per cluster", "9.0", "14.0", "1.56"},
		"StatefulSet/ReplicaSet → its pod (kube-controller-manager), p50 / p90 / max (s)": {
			"StatefulSet/ReplicaSet → its pod (kube-controller-manager), p50 / p90 / max (s)", "-", "0.50 / 1.00 / 2.00", "-"},
	}
	for name, want := range tests {
		t.Run(name, func(t *testing.T) {
			if got, ok := rows[name]; !ok || got != want {
				t.Errorf("row %q = %+v, want %+v", name, got, want)
			}
		})
	}
}

func TestMergeRequests(t *testing.T) {
	a := []RequestCount{{Verb: "create", Resource: "pods", Count: 400}, {Verb: "create", Resource: "events", Count: 600}}
	b := []RequestCount{{Verb: "create", Resource: "statefulsets", Count: 200}, {Verb: "create", Resource: "events", Count: 200}}
	want := []mergedRequest{
		{verb: "create", resource: "events", a: 600, b: 200},
		{verb: "create", resource: "pods", a: 400},
		{verb: "create", resource: "statefulsets", b: 200},
	}
	if got := mergeRequests(a, b); !reflect.DeepEqual(got, want) {
		t.Errorf("mergeRequests = %+v, want %+v", got, want)
	}
}

func TestByVerb(t *testing.T) {
	rows := []RequestCount{{Verb: "get", Resource: "pods", Count: 2}, {Verb: "get", Resource: "secrets", Count: 3}, {Verb: "patch", Resource: "rayclusters/status", Count: 1}}
	if got, want := byVerb(rows), map[string]int64{"get": 5, "patch": 1}; !reflect.DeepEqual(got, want) {
		t.Errorf("byVerb = %v, want %v", got, want)
	}
}

func TestReplaceVersusSection(t *testing.T) {
	const section = versusBeginMarker + "\nnew\n" + versusEndMarker + "\n"
	const op = beginMarker + "\nop\n" + endMarker + "\n"
	const ray = "<!-- BEGIN ray-layer: kept -->\nray\n<!-- END ray-layer -->\n"
	tests := map[string]struct{ doc, want string }{
		"empty file":                {doc: "", want: "# Benchmarks\n\n" + section},
		"after the operator's":      {doc: "# B\n\n" + op + "\nprose\n", want: "# B\n\n" + op + "\n" + section + "\nprose\n"},
		"before the Ray layer":      {doc: "# B\n\n" + ray, want: "# B\n\n" + section + "\n" + ray},
		"replaced in place":         {doc: "# B\n\n" + op + "\n" + versusBeginMarker + "\nold\n" + versusEndMarker + "\n\nprose\n", want: "# B\n\n" + op + "\n" + section + "\nprose\n"},
		"an older marker's wording": {doc: "<!-- BEGIN versus: old words -->\nold\n" + versusEndMarker + "\n", want: section},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := replaceVersusSection(tc.doc, section); got != tc.want {
				t.Errorf("replaceVersusSection =\n%q\nwant\n%q", got, tc.want)
			}
		})
	}
}

func TestMergeResults(t *testing.T) {
	prev := &Result{Command: "old", Scale: []ScaleResult{{Clusters: 50}}, Versus: []VersusResult{{Clusters: 1000}}}
	tests := map[string]struct {
		cur        *Result
		wantCmd    string
		wantScale  int
		wantVersus int
	}{
		"versus alone keeps the operator's results": {cur: &Result{Command: "new", Versus: []VersusResult{{Clusters: 200}}}, wantCmd: "old", wantScale: 50, wantVersus: 200},
		"without versus keeps the former versus":    {cur: &Result{Command: "new", Scale: []ScaleResult{{Clusters: 200}}}, wantCmd: "new", wantScale: 200, wantVersus: 1000},
		"both replace both": {cur: &Result{Command: "new", Scale: []ScaleResult{{Clusters: 200}}, Versus: []VersusResult{{Clusters: 200}}},
			wantCmd: "new", wantScale: 200, wantVersus: 200},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := mergeResults(prev, tc.cur)
			if got.Command != tc.wantCmd || got.Scale[0].Clusters != tc.wantScale || got.Versus[0].Clusters != tc.wantVersus {
				t.Errorf("mergeResults = command %q, scale %d, versus %d; want %q, %d, %d",
					got.Command, got.Scale[0].Clusters, got.Versus[0].Clusters, tc.wantCmd, tc.wantScale, tc.wantVersus)
			}
		})
	}
}

func TestParseSizes(t *testing.T) {
	tests := map[string]struct {
		in      string
		want    []int
		wantErr bool
	}{
		"one":      {in: "200", want: []int{200}},
		"two":      {in: "200, 1000", want: []int{200, 1000}},
		"zero":     {in: "0", wantErr: true},
		"not size": {in: "many", wantErr: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := parseSizes(tc.in)
			if (err != nil) != tc.wantErr || !reflect.DeepEqual(got, tc.want) {
				t.Errorf("parseSizes(%q) = %v, %v; want %v, error %v", tc.in, got, err, tc.want, tc.wantErr)
			}
		})
	}
}

func TestVersusPhaseSelection(t *testing.T) {
	tests := map[string]struct {
		phases            []string
		sizes             []int
		versus, operators bool
	}{
		"default":           {sizes: []int{200}, versus: true, operators: true},
		"no size":           {versus: false, operators: true},
		"versus alone":      {phases: []string{"versus"}, sizes: []int{200}, versus: true, operators: false},
		"scale alone":       {phases: []string{"scale"}, sizes: []int{200}, versus: false, operators: true},
		"scale, versus":     {phases: []string{"scale", "versus"}, sizes: []int{200, 1000}, versus: true, operators: true},
		"node loss, versus": {phases: []string{nodeLossPhase, "versus"}, sizes: []int{200}, versus: true, operators: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c := DefaultConfig()
			c.Phases, c.Versus = tc.phases, tc.sizes
			if c.runs(versusPhase) != tc.versus || c.runsOperatorPhases() != tc.operators {
				t.Errorf("runs(versus) = %v, operator phases %v; want %v, %v", c.runs(versusPhase), c.runsOperatorPhases(), tc.versus, tc.operators)
			}
		})
	}
	if SmokeConfig().runs(versusPhase) {
		t.Error("the smoke run starts the versus phase")
	}
}

func TestVersusMarkdown(t *testing.T) {
	r := &Result{Command: "make bench", Versus: []VersusResult{{Clusters: 2, Nodes: 3,
		KubeRay:  VersusSide{Operator: "KubeRay v1.5.0", AllReadySeconds: 1, ByRequest: []RequestCount{{Verb: "create", Resource: "pods", Count: 4}}},
		Ours:     VersusSide{Operator: "ray-ha-operator", AllReadySeconds: 2, ByRequest: []RequestCount{{Verb: "create", Resource: "statefulsets", Count: 2}}},
		Recovery: &BurstRecovery{Cluster: recoveryCluster, DelaySeconds: 1.5, Detected: true, DetectedSeconds: 0.2, ReadySeconds: 0.9},
	}}}
	md := VersusMarkdown(r)
	for _, want := range []string{
		"### 2 RayClusters (4 pods), 3 simulated nodes",
		"| all 2 RayClusters `ready` (s) | 1.0 | 2.0 | 2.00 |",
		"| create | 4 | 2 | 0.50 | 0 | 0 |",
		"| create | pods | 4 | 0 |",
		"detected (HeadRecovering True) in 0.200 s, new head Ready in 0.900 s",
		"< 1 s, measured 0.200 s (detected 0.200 s, force-delete 0.000 s), met.",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("versus section lacks %q:\n%s", want, md)
		}
	}
	if VersusMarkdown(&Result{}) != "" {
		t.Error("a run without the versus phase rendered a versus section")
	}
}

func TestWriteBurstRecovery(t *testing.T) {
	tests := map[string]struct {
		rec  BurstRecovery
		want []string
	}{
		"detected in time": {
			rec:  BurstRecovery{Cluster: "c", DelaySeconds: 1.5, Detected: true, DetectedSeconds: 0.3, ForceDeleteSeconds: 0.05, ReadySeconds: 1.2},
			want: []string{"detected (HeadRecovering True) in 0.300 s, new head Ready in 1.200 s", "force-delete came 0.050 s after", "measured 0.300 s (detected 0.300 s, force-delete 0.050 s), met."},
		},
		"detected late": {
			rec:  BurstRecovery{Cluster: "c", Detected: true, DetectedSeconds: 4, ReadySeconds: 1},
			want: []string{"measured 4.000 s (detected 4.000 s, force-delete 0.000 s), not met."},
		},
		"force-delete late": {
			rec:  BurstRecovery{Cluster: "c", Detected: true, DetectedSeconds: 0.1, ForceDeleteSeconds: 2.5, ReadySeconds: 4},
			want: []string{"measured 2.500 s (detected 0.100 s, force-delete 2.500 s), not met."},
		},
		"never marked, head back": {
			rec:  BurstRecovery{Cluster: "c", ReadySeconds: 0.8, Error: "no HeadRecovering"},
			want: []string{"The operator never marked it (no HeadRecovering)", "Ready 0.800 s after", "measured not detected, not met."},
		},
		"nothing measured": {
			rec:  BurstRecovery{Cluster: "c", Error: "no head"},
			want: []string{"It was not measured: no head.", "not met."},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var b strings.Builder
			writeBurstRecovery(&b, 200, &tc.rec)
			for _, w := range tc.want {
				if !strings.Contains(b.String(), w) {
					t.Errorf("lacks %q:\n%s", w, b.String())
				}
			}
		})
	}
}
