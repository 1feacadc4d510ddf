/*
Copyright 2026 The ray-ha-operator Authors.
*/

package bench

import "testing"

func TestReplaceSection(t *testing.T) {
	const section = beginMarker + "\nnew\n" + endMarker + "\n"
	const ray = "<!-- BEGIN ray-layer: kept -->\nray\n<!-- END ray-layer -->\n"
	tests := map[string]struct {
		doc, want string
	}{
		"empty file":           {doc: "", want: "# Benchmarks\n\n" + section},
		"before the Ray layer": {doc: "# Benchmarks\n\nintro\n\n" + ray, want: "# Benchmarks\n\nintro\n\n" + section + "\n" + ray},
		"replaced in place": {
			doc:  "# Benchmarks\n\n" + beginMarker + "\nold\nold\n" + endMarker + "\n\n" + ray,
			want: "# Benchmarks\n\n" + section + "\n" + ray,
		},
		"no Ray layer":     {doc: "# Benchmarks\nintro\n", want: "# Benchmarks\nintro\n\n" + section},
		"unterminated old": {doc: "# B\n\n" + beginMarker + "\nold\n", want: "# B\n\n" + beginMarker + "\nold\n\n" + section},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := replaceSection(tc.doc, section); got != tc.want {
				t.Errorf("replaceSection =\n%q\nwant\n%q", got, tc.want)
			}
		})
	}
}
