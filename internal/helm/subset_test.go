package helm

import "testing"

func TestSubset(t *testing.T) {
	container := func(name, image string, extra map[string]any) map[string]any {
		m := map[string]any{"name": name, "image": image}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	tests := map[string]struct {
		want, live any
		in         bool
	}{
		"equal strings":                 {want: "a", live: "a", in: true},
		"different strings":             {want: "a", live: "b"},
		"int64 vs float64 of one value": {want: int64(3), live: float64(3), in: true},
		"different numbers":             {want: int64(3), live: int64(4)},
		"canonicalized quantity":        {want: "1024Mi", live: "1Gi", in: true},
		"different quantity":            {want: "1Gi", live: "2Gi"},
		"bool":                          {want: true, live: true, in: true},
		"bool vs string":                {want: true, live: "true"},
		"nil wanted":                    {want: nil, live: "x", in: true},
		"defaults added by the server":  {want: map[string]any{"a": "1"}, live: map[string]any{"a": "1", "b": "2"}, in: true},
		"wanted key missing":            {want: map[string]any{"a": "1"}, live: map[string]any{"b": "2"}},
		"empty map vs absent":           {want: map[string]any{}, live: nil, in: true},
		"map vs scalar":                 {want: map[string]any{"a": "1"}, live: "x"},
		"list by index":                 {want: []any{"a", "b"}, live: []any{"a", "b"}, in: true},
		"list length differs":           {want: []any{"a"}, live: []any{"a", "b"}},
		"named list tolerates additions": {
			want: []any{container("ray", "img:1", nil)},
			live: []any{container("sidecar", "proxy", nil), container("ray", "img:1", map[string]any{"terminationMessagePath": "/dev/termination-log"})},
			in:   true,
		},
		"named list element changed": {
			want: []any{container("ray", "img:1", nil)},
			live: []any{container("ray", "img:2", nil)},
		},
		"named list element gone": {
			want: []any{container("ray", "img:1", nil)},
			live: []any{container("other", "img:1", nil)},
		},
		"empty list vs absent": {want: []any{}, live: nil, in: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := subset(tc.want, tc.live); got != tc.in {
				t.Errorf("subset = %v, want %v", got, tc.in)
			}
		})
	}
}
