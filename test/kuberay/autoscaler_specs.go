package kuberay

// autoscalerSpecs: enableInTreeAutoscaling with autoscaler v1 and v2, every
// autoscalerOptions field set and unset, the head's own ServiceAccount,
// per-group idleTimeoutSeconds, and what KubeRay refuses with an
// autoscaler.
func autoscalerSpecs() []specCase {
	on := clusterSpec("enableInTreeAutoscaling", true)
	opts := func(kv ...any) specEdit {
		o := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			o[kv[i].(string)] = kv[i+1]
		}
		return clusterSpec("autoscalerOptions", o)
	}
	v2 := opts("version", "v2")
	tls := map[string]any{"name": "autoscaler-tls", "secret": map[string]any{"secretName": "autoscaler-tls"}}
	return []specCase{
		spec("as-v1-defaults", on),
		spec("as-v1-explicit", on, opts("version", "v1")),
		spec("as-off-with-options", clusterSpec("enableInTreeAutoscaling", false), opts("version", "v2", "image", "example.com/as:1")),
		spec("as-v2-defaults", on, v2),
		spec("as-v2-all-options", on, opts(
			"version", "v2",
			"image", "example.com/ray-autoscaler:dev",
			"imagePullPolicy", "Always",
			"idleTimeoutSeconds", int64(30),
			"upscalingMode", "Conservative",
			"resources", map[string]any{"limits": limits("cpu", "1", "memory", "1Gi"), "requests": limits("cpu", "250m", "memory", "256Mi")},
			"env", list(map[string]any{"name": "AUTOSCALER_LOG_LEVEL", "value": "debug"},
				map[string]any{"name": "MY_NODE", "valueFrom": map[string]any{"fieldRef": map[string]any{"fieldPath": "spec.nodeName"}}}),
			"envFrom", list(map[string]any{"configMapRef": map[string]any{"name": "autoscaler-env"}}),
			"volumeMounts", list(map[string]any{"name": "autoscaler-tls", "mountPath": "/etc/ray/tls", "readOnly": true}),
			"securityContext", map[string]any{"runAsUser": int64(1000)}),
			headPod(volume(tls))),
		spec("as-v1-custom-image", on, opts("image", "example.com/ray-autoscaler:v1", "imagePullPolicy", "Never")),
		spec("as-v1-empty-resources", on, opts("resources", map[string]any{}, "securityContext", map[string]any{})),
		spec("as-v1-env-overrides", on, opts("env", list(map[string]any{"name": "KUBERAY_CRD_VER", "value": "v2"}))),
		spec("as-head-service-account", on, headPod(setPodField("serviceAccountName", "ray-head-sa"))),
		// KubeRay clips the names it derives to 50 characters and replaces a
		// leading digit; a head's own account name is clipped too.
		spec("as-head-service-account-long", on, headPod(setPodField("serviceAccountName",
			"team-a-ray-autoscaler-service-account-for-batch-jobs-east"))),
		spec("as-head-service-account-digit", on, headPod(setPodField("serviceAccountName", "1-ray-head"))),
		spec("as-v2-head-service-account", on, v2, headPod(setPodField("serviceAccountName", "ray-head-sa"))),
		spec("as-ray-logs-user-mount", on, allPods(volume(map[string]any{"name": "logs", "emptyDir": map[string]any{}})),
			allRay(mount("logs", "/tmp/ray"))),
		spec("as-ray-logs-user-volume", on, headPod(volume(map[string]any{"name": "ray-logs", "emptyDir": map[string]any{"sizeLimit": "5Gi"}}))),
		spec("as-autoscaling-config-param", on, headParams("autoscaling-config", "/tmp/config.yaml")),
		spec("as-no-monitor-param", on, headParams("no-monitor", "false")),
		spec("as-v2-idle-timeout-groups", on, opts("version", "v2", "idleTimeoutSeconds", int64(120)),
			workerGroup(0, "idleTimeoutSeconds", int64(30)),
			addWorkerGroup("slow", resources(nil, limits("cpu", "1"))),
			workerGroupNamed("slow", "idleTimeoutSeconds", int64(600))),
		spec("as-v1-idle-timeout-group", on, workerGroup(0, "idleTimeoutSeconds", int64(30))),
		spec("as-replicas-bounds", on, workerGroup(0, "replicas", int64(1)), workerGroup(0, "minReplicas", int64(1)),
			workerGroup(0, "maxReplicas", int64(5))),
		spec("as-with-gcs-ft", on, v2, ftOptions(map[string]any{"redisAddress": "redis:6379"})),
		spec("refused-as-suspended-group", on, workerGroup(0, "suspend", true)),
		spec("refused-as-version-and-env", on, v2, headRay(env("RAY_enable_autoscaler_v2", "1"))),
		spec("refused-as-v2-env-without-autoscaler", headRay(env("RAY_enable_autoscaler_v2", "true"))),
		spec("refused-as-v2-restart-always", on, v2, headPod(setPodField("restartPolicy", "Always"))),
		spec("as-v1-env-v2-true", on, headRay(env("RAY_enable_autoscaler_v2", "1"))),
		spec("as-off-env-v2-false", headRay(env("RAY_enable_autoscaler_v2", "0"))),
	}
}

// setPodField sets one field of a pod spec.
func setPodField(key string, val any) podEdit {
	return func(pod map[string]any) { pod[key] = val }
}

// workerGroupNamed sets a field of the worker group of that name.
func workerGroupNamed(group, key string, val any) specEdit {
	return func(c cluster) {
		for _, g := range workerGroupsOf(c) {
			if g["groupName"] == group {
				g[key] = val
			}
		}
	}
}
