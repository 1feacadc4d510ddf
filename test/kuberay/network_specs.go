package kuberay

// networkSpecs: the head Service (serviceType, headService,
// headServiceAnnotations, the head container's ports) and the head Ingress
// (enableIngress, with the cluster annotations it copies).
func networkSpecs() []specCase {
	headPorts := func(ports ...any) specEdit { return headRay(set("ports", list(ports...))) }
	unnamed := func(p int64) map[string]any { return map[string]any{"containerPort": p} }
	svc := func(meta, spec map[string]any) specEdit {
		hs := map[string]any{}
		if meta != nil {
			hs["metadata"] = meta
		}
		if spec != nil {
			hs["spec"] = spec
		}
		return headGroup("headService", hs)
	}
	svcPort := func(name string, p int64) map[string]any {
		return map[string]any{"name": name, "port": p, "targetPort": p}
	}
	ingress := headGroup("enableIngress", true)
	return []specCase{
		spec("svc-type-clusterip", headGroup("serviceType", "ClusterIP")),
		spec("svc-type-nodeport", headGroup("serviceType", "NodePort")),
		spec("svc-type-loadbalancer", headGroup("serviceType", "LoadBalancer"),
			headPorts(port("gcs-server", 6379), port("dashboard", 8265), port("client", 10001))),
		spec("svc-annotations", clusterSpec("headServiceAnnotations", map[string]any{
			"service.beta.kubernetes.io/aws-load-balancer-internal": "true", "example.com/team": "ray"})),
		spec("svc-head-service-meta", svc(map[string]any{
			"name": "my-head", "labels": map[string]any{"team": "a", "ray.io/cluster": "other"},
			"annotations": map[string]any{"example.com/owner": "a", "example.com/both": "from-head-service"}}, nil),
			clusterSpec("headServiceAnnotations", map[string]any{"example.com/both": "from-annotations"})),
		spec("svc-head-service-spec", svc(map[string]any{"name": "lb-head"}, map[string]any{
			"type": "LoadBalancer", "sessionAffinity": "ClientIP", "externalTrafficPolicy": "Local",
			"loadBalancerSourceRanges": list("10.0.0.0/8"), "selector": map[string]any{"app": "mine"},
			"ports": list(svcPort("custom", 12345))})),
		spec("svc-head-service-type-wins", headGroup("serviceType", "NodePort"),
			svc(nil, map[string]any{"type": "LoadBalancer"})),
		spec("svc-head-service-type-from-field", headGroup("serviceType", "NodePort"),
			svc(map[string]any{"labels": map[string]any{"team": "a"}}, nil)),
		spec("svc-head-service-headless", svc(nil, map[string]any{"clusterIP": "None", "publishNotReadyAddresses": true})),
		spec("svc-head-service-port-clash", svc(nil, map[string]any{"ports": list(svcPort("dashboard", 8265))}),
			headPorts(port("gcs-server", 6379), port("dashboard", 8265))),
		spec("svc-ports-named-and-unnamed", headPorts(port("gcs-server", 6379), unnamed(8265), port("client", 10001), unnamed(9000))),
		spec("svc-ports-with-metrics", headPorts(port("gcs-server", 6379), port("metrics", 9100))),
		spec("svc-ports-protocol", headPorts(port("gcs-server", 6379),
			map[string]any{"name": "dashboard", "containerPort": int64(8265), "protocol": "TCP"})),
		spec("svc-dashboard-port-custom", headParams("dashboard-port", "8300"),
			headPorts(port("gcs-server", 6379), port("dashboard", 8300), port("client", 10001))),
		spec("svc-template-app-name", headMeta("labels", map[string]any{"app.kubernetes.io/name": "my-app"})),
		spec("ingress-plain", ingress),
		spec("ingress-false", headGroup("enableIngress", false)),
		spec("ingress-class", ingress, annotation("kubernetes.io/ingress.class", "nginx")),
		spec("ingress-class-and-annotations", ingress, annotation("kubernetes.io/ingress.class", "nginx"),
			annotation("nginx.ingress.kubernetes.io/rewrite-target", "/$1"), annotation("example.com/team", "ray")),
		spec("ingress-annotations-no-class", ingress, annotation("alb.ingress.kubernetes.io/scheme", "internal")),
		spec("ingress-dashboard-port", ingress, headPorts(port("gcs-server", 6379), port("dashboard", 8266))),
		spec("ingress-dashboard-unnamed", ingress, headPorts(port("gcs-server", 6379), unnamed(8265))),
		spec("ingress-dashboard-param", ingress, headParams("dashboard-port", "8266")),
		spec("ingress-head-service-name", ingress, svc(map[string]any{"name": "my-head"}, nil)),
		spec("ingress-with-ft", ingress, ftOptions(map[string]any{"redisAddress": "redis:6379"}),
			annotation("kubernetes.io/ingress.class", "nginx")),
	}
}

// clusterSpec sets a top-level spec field.
func clusterSpec(key string, val any) specEdit {
	return func(c cluster) { specOf(c)[key] = val }
}
