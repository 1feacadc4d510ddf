package gen

import "testing"

func TestOpenShiftVersionsSyntax(t *testing.T) {
	tests := map[string]struct {
		value string
		ok    bool
	}{
		"none":              {value: "", ok: true},
		"this and later":    {value: "v4.15", ok: true},
		"exactly":           {value: "=v4.16", ok: true},
		"range":             {value: "v4.15-v4.18", ok: true},
		"no v":              {value: "4.15"},
		"OpenShift 3":       {value: "v3.11"},
		"open-ended range":  {value: "v4.15-"},
		"list, not a range": {value: "v4.15,v4.16"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			o := Options{ManifestsDir: "m", Package: "p", Version: "0.1.0", Image: "i", Channels: []string{"c"}, OpenShiftVersions: tc.value}
			if err := o.validate(); (err == nil) != tc.ok {
				t.Fatalf("validate(%q) = %v, want ok %v", tc.value, err, tc.ok)
			}
		})
	}
}

func TestExcludeGroups(t *testing.T) {
	tests := map[string]struct {
		groups []string
		ok     bool
	}{
		"none":                    {ok: true},
		"the Prometheus Operator": {groups: []string{"monitoring.coreos.com"}, ok: true},
		"PodDisruptionBudgets":    {groups: []string{"policy"}, ok: true},
		"core (ServiceAccounts)":  {groups: []string{""}},
		"the CSV":                 {groups: []string{"operators.coreos.com"}},
		"CRDs":                    {groups: []string{"apiextensions.k8s.io"}},
		"RBAC":                    {groups: []string{"monitoring.coreos.com", "rbac.authorization.k8s.io"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			o := Options{ManifestsDir: "m", Package: "p", Version: "0.1.0", Image: "i", Channels: []string{"c"}, ExcludeGroups: tc.groups}
			if err := o.validate(); (err == nil) != tc.ok {
				t.Fatalf("validate(%q) = %v, want ok %v", tc.groups, err, tc.ok)
			}
		})
	}
}
