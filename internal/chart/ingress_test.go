package chart

import (
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/utils/ptr"
)

func TestHeadIngress(t *testing.T) {
	tests := map[string]struct {
		values string
		want   *networkingv1.Ingress // nil: no Ingress
	}{
		"none by default": {},
		"none when false": {values: "headGroupSpec:\n  enableIngress: false\n  template: {spec: {containers: [{name: ray-head, image: \"rayproject/ray:2.60.0\"}]}}\n"},
		"as KubeRay builds it": {
			values: `
cluster:
  annotations: {kubernetes.io/ingress.class: nginx, nginx.ingress.kubernetes.io/rewrite-target: /$1}
headGroupSpec:
  enableIngress: true
  template:
    spec:
      containers:
        - name: ray-head
          image: rayproject/ray:2.60.0
          ports: [{name: dashboard, containerPort: 8266}]
`,
			want: ingress("nginx", map[string]string{"nginx.ingress.kubernetes.io/rewrite-target": "/$1"}, 8266),
		},
		"dashboard port from rayStartParams when the head declares no ports": {
			values: "headGroupSpec:\n  enableIngress: true\n  rayStartParams: {dashboard-port: \"8266\"}\n  template: {spec: {containers: [{name: ray-head, image: \"rayproject/ray:2.60.0\"}]}}\n",
			want:   ingress("", nil, 8266),
		},
		"default dashboard port, no class": {
			values: "headGroupSpec:\n  enableIngress: true\n  template: {spec: {containers: [{name: ray-head, image: \"rayproject/ray:2.60.0\"}]}}\n",
			want:   ingress("", nil, 8265),
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			r := renderValues(t, tc.values)
			if tc.want == nil {
				if r.ingress != nil {
					t.Fatalf("rendered an Ingress %s, want none", r.ingress.Name)
				}
				return
			}
			if r.ingress == nil {
				t.Fatal("no Ingress rendered")
			}
			wantEqual(t, "name", r.ingress.Name, tc.want.Name)
			wantEqual(t, "annotations", r.ingress.Annotations, tc.want.Annotations)
			wantEqual(t, "spec", r.ingress.Spec, tc.want.Spec)
			wantSubset(t, "labels", r.ingress.Labels, map[string]string{"ray.io/cluster": "demo", "ray.io/identifier": "demo-head"})
		})
	}
}

func ingress(class string, annotations map[string]string, port int32) *networkingv1.Ingress {
	in := &networkingv1.Ingress{}
	in.Name = "demo-head-ingress"
	in.Annotations = annotations
	if class != "" {
		in.Spec.IngressClassName = ptr.To(class)
	}
	in.Spec.Rules = []networkingv1.IngressRule{{IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{
		Paths: []networkingv1.HTTPIngressPath{{
			Path:     "/demo/(.*)",
			PathType: ptr.To(networkingv1.PathTypeExact),
			Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{
				Name: "demo-head-svc", Port: networkingv1.ServiceBackendPort{Number: port},
			}},
		}},
	}}}}
	return in
}
