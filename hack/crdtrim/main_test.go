/*
Copyright 2026 The ray-ha-operator Authors.
*/

package main

import (
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
)

func TestWalk(t *testing.T) {
	schema := func() *apiextensionsv1.JSONSchemaProps {
		leaf := apiextensionsv1.JSONSchemaProps{Type: "string", Description: "leaf"}
		pod := apiextensionsv1.JSONSchemaProps{Type: "object", Description: "pod spec",
			Properties: map[string]apiextensionsv1.JSONSchemaProps{"name": leaf}}
		return &apiextensionsv1.JSONSchemaProps{Type: "object", Description: "root",
			Properties: map[string]apiextensionsv1.JSONSchemaProps{
				"own": leaf,
				"template": {Type: "object", Description: "own template doc",
					Properties: map[string]apiextensionsv1.JSONSchemaProps{"spec": pod}},
				"list": {Type: "array", Description: "own list doc", Items: &apiextensionsv1.JSONSchemaPropsOrArray{
					Schema: &apiextensionsv1.JSONSchemaProps{Type: "object", Description: "item",
						Properties: map[string]apiextensionsv1.JSONSchemaProps{"template": {Type: "object", Description: "own",
							Properties: map[string]apiextensionsv1.JSONSchemaProps{"spec": pod}}}}}},
			}}
	}
	tests := map[string]struct {
		path func(*apiextensionsv1.JSONSchemaProps) string
		want string
	}{
		"root kept":              {func(p *apiextensionsv1.JSONSchemaProps) string { return p.Description }, "root"},
		"own field kept":         {func(p *apiextensionsv1.JSONSchemaProps) string { return p.Properties["own"].Description }, "leaf"},
		"embedded property kept": {func(p *apiextensionsv1.JSONSchemaProps) string { return p.Properties["template"].Description }, "own template doc"},
		"below embedded dropped": {func(p *apiextensionsv1.JSONSchemaProps) string {
			return p.Properties["template"].Properties["spec"].Description
		}, ""},
		"deep below dropped": {func(p *apiextensionsv1.JSONSchemaProps) string {
			return p.Properties["template"].Properties["spec"].Properties["name"].Description
		}, ""},
		"list item kept": {func(p *apiextensionsv1.JSONSchemaProps) string { return p.Properties["list"].Items.Schema.Description }, "item"},
		"embedded in item kept": {func(p *apiextensionsv1.JSONSchemaProps) string {
			return p.Properties["list"].Items.Schema.Properties["template"].Description
		}, "own"},
		"below embedded in item": {func(p *apiextensionsv1.JSONSchemaProps) string {
			return p.Properties["list"].Items.Schema.Properties["template"].Properties["spec"].Description
		}, ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			p := schema()
			walk(p, false, false, map[string]bool{"template": true})
			if got := tc.path(p); got != tc.want {
				t.Errorf("description = %q, want %q", got, tc.want)
			}
		})
	}
}
