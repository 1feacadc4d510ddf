/*
Copyright 2026 The ray-ha-operator Authors.
*/

package simcluster

import (
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"
)

func TestImagePullModelPlans(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	pulls := map[string]ImagePull{
		"ray:big":   {ColdPull: 60 * time.Second, SizeBytes: 5 << 30},
		"sidecar:1": {ColdPull: 10 * time.Second},
	}
	type ask struct {
		node   string
		images []string
		at     int
		// wantReady is ReadyAt in seconds after t0; wantPulls the images
		// still being pulled then.
		wantReady int
		wantPulls []string
	}
	tests := map[string]struct {
		prewarmed map[string][]string
		asks      []ask
		// images expected on node-a at imagesAt.
		imagesAt   int
		wantImages []string
	}{
		"cold pull, then the same node is warm": {
			asks: []ask{
				{"node-a", []string{"ray:big"}, 0, 60, []string{"ray:big"}},
				{"node-a", []string{"ray:big"}, 70, 70, nil},
			},
			imagesAt: 70, wantImages: []string{"ray:big"},
		},
		"asking again during the pull keeps its end": {
			asks: []ask{
				{"node-a", []string{"ray:big"}, 0, 60, []string{"ray:big"}},
				{"node-a", []string{"ray:big"}, 30, 60, []string{"ray:big"}},
			},
			imagesAt: 59, wantImages: nil,
		},
		"another node is cold": {
			asks: []ask{
				{"node-a", []string{"ray:big"}, 0, 60, []string{"ray:big"}},
				{"node-b", []string{"ray:big"}, 70, 130, []string{"ray:big"}},
			},
			imagesAt: 60, wantImages: []string{"ray:big"},
		},
		"prewarmed node pulls nothing": {
			prewarmed: map[string][]string{"node-a": {"ray:big"}},
			asks:      []ask{{"node-a", []string{"ray:big"}, 0, 0, nil}},
			imagesAt:  0, wantImages: []string{"ray:big"},
		},
		"unlisted images are there at once": {
			asks:     []ask{{"node-a", []string{"busybox"}, 5, 5, nil}},
			imagesAt: 5, wantImages: []string{"busybox"},
		},
		"one pull at a time per node": {
			asks: []ask{
				{"node-a", []string{"ray:big", "sidecar:1", "ray:big"}, 0, 70, []string{"ray:big", "sidecar:1"}},
				{"node-a", []string{"sidecar:1"}, 1, 70, []string{"sidecar:1"}},
			},
			imagesAt: 65, wantImages: []string{"ray:big"},
		},
		"a pull asked while another runs waits for it": {
			asks: []ask{
				{"node-a", []string{"ray:big"}, 0, 60, []string{"ray:big"}},
				{"node-a", []string{"sidecar:1"}, 20, 70, []string{"sidecar:1"}},
			},
			imagesAt: 70, wantImages: []string{"ray:big", "sidecar:1"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			m := NewImagePullModel(pulls, tc.prewarmed)
			for i, a := range tc.asks {
				plan := m.Pull(a.node, a.images, at(a.at))
				if !plan.ReadyAt.Equal(at(a.wantReady)) {
					t.Errorf("ask %d: ReadyAt %s after t0, want %ds", i, plan.ReadyAt.Sub(t0), a.wantReady)
				}
				var got []string
				for _, p := range plan.Pulls {
					got = append(got, p.Image)
					if p.End.Sub(p.Start) != pulls[p.Image].ColdPull {
						t.Errorf("ask %d: pull of %s lasts %s, want its cold pull %s", i, p.Image, p.End.Sub(p.Start), pulls[p.Image].ColdPull)
					}
				}
				if !slices.Equal(got, a.wantPulls) || plan.Cold() != (len(a.wantPulls) > 0) {
					t.Errorf("ask %d: pulls %v, want %v", i, got, a.wantPulls)
				}
			}
			var names []string
			for _, im := range m.Images("node-a", at(tc.imagesAt)) {
				names = append(names, im.Name)
				if im.SizeBytes != pulls[im.Name].SizeBytes {
					t.Errorf("image %s size %d, want %d", im.Name, im.SizeBytes, pulls[im.Name].SizeBytes)
				}
			}
			if !slices.Equal(names, tc.wantImages) {
				t.Errorf("images on node-a at %ds: %v, want %v", tc.imagesAt, names, tc.wantImages)
			}
		})
	}
}

func TestDescribeWait(t *testing.T) {
	t0 := time.Now()
	tests := map[string]struct {
		plan PullPlan
		want string
	}{
		"warm": {PullPlan{ReadyAt: t0}, warmImages},
		"one cold pull": {PullPlan{ReadyAt: t0.Add(time.Minute), Pulls: []ModelledPull{{Image: "ray:big", Start: t0, End: t0.Add(time.Minute)}}},
			"modelled cold pull 1m0s: ray:big"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := describeWait(tc.plan); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestGatePodReadyStage(t *testing.T) {
	other := []byte("apiVersion: kwok.x-k8s.io/v1alpha1\nkind: Stage\nmetadata:\n  name: pod-delete\nspec:\n  selector: {}\n")
	tests := map[string]struct {
		raw       []byte
		wantReady bool
		wantErr   bool
	}{
		"pod-ready gets the annotation": {raw: []byte("apiVersion: kwok.x-k8s.io/v1alpha1\nkind: Stage\nmetadata:\n  name: pod-ready\n" +
			"spec:\n  selector:\n    matchExpressions:\n    - key: .status.phase\n      operator: In\n      values: [Pending]\n  next:\n    statusTemplate: x\n"), wantReady: true},
		"other stages are left alone": {raw: other},
		"pod-ready without selector":  {raw: []byte("metadata:\n  name: pod-ready\nspec: {}\n"), wantErr: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, isReady, err := gatePodReadyStage(tc.raw)
			if (err != nil) != tc.wantErr || isReady != tc.wantReady {
				t.Fatalf("isReady %t, err %v; want %t, error %t", isReady, err, tc.wantReady, tc.wantErr)
			}
			if tc.wantErr {
				return
			}
			if !tc.wantReady {
				if string(got) != string(tc.raw) {
					t.Errorf("changed a stage that is not pod-ready:\n%s", got)
				}
				return
			}
			var stage struct {
				Spec struct {
					Selector struct {
						MatchExpressions []struct{ Key, Operator string } `json:"matchExpressions"`
					} `json:"selector"`
					Next struct {
						StatusTemplate string `json:"statusTemplate"`
					} `json:"next"`
				} `json:"spec"`
			}
			if err := yaml.Unmarshal(got, &stage); err != nil {
				t.Fatal(err)
			}
			exprs := stage.Spec.Selector.MatchExpressions
			last := exprs[len(exprs)-1]
			if len(exprs) != 2 || last.Operator != "Exists" || !strings.Contains(last.Key, ImagesPulledAnnotation) || stage.Spec.Next.StatusTemplate != "x" {
				t.Errorf("gated stage:\n%s", got)
			}
		})
	}
}

// TestImagePullStagesOnKwoksFiles gates the stage files `make testbin`
// copied from kwok: exactly the pod-ready one is replaced.
func TestImagePullStagesOnKwoksFiles(t *testing.T) {
	c := &Cluster{}
	if err := c.findBinaries(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skipf("no kwok stages from make testbin: %v", err)
	}
	dir := t.TempDir()
	got, err := imagePullStages(c.kwokStages, dir)
	if err != nil {
		t.Fatal(err)
	}
	var changed []string
	for i := range got {
		if got[i] != c.kwokStages[i] {
			changed = append(changed, c.kwokStages[i])
		}
	}
	if len(got) != len(c.kwokStages) || len(changed) != 1 || !strings.Contains(changed[0], "pod-ready") {
		t.Errorf("replaced %v of %v, want exactly kwok's pod-ready stage", changed, c.kwokStages)
	}
}
