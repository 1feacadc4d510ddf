package kuberay

import "strings"

// cluster is a RayCluster object being built for GeneratedSpecs.
type cluster = map[string]any

// containerEdit and podEdit change a Ray container or a pod spec in place.
type (
	containerEdit func(c map[string]any)
	podEdit       func(pod map[string]any)
)

// baseCluster is the starting point of every generated spec: a head and one
// worker group "workers" (one replica) running the samples' Ray image, with
// empty rayStartParams and no resources.
func baseCluster(name string) cluster {
	return cluster{
		"apiVersion": "ray.io/v1",
		"kind":       "RayCluster",
		"metadata":   map[string]any{"name": name},
		"spec": map[string]any{
			"rayVersion": rayVersion,
			"headGroupSpec": map[string]any{
				"rayStartParams": map[string]any{},
				"template":       podTemplate("ray-head"),
			},
			"workerGroupSpecs": []any{workerGroupSpec("workers")},
		},
	}
}

func workerGroupSpec(name string) map[string]any {
	return map[string]any{
		"groupName":      name,
		"replicas":       int64(1),
		"minReplicas":    int64(0),
		"maxReplicas":    int64(3),
		"rayStartParams": map[string]any{},
		"template":       podTemplate("ray-worker"),
	}
}

func podTemplate(container string) map[string]any {
	return map[string]any{"spec": map[string]any{
		"containers": []any{map[string]any{"name": container, "image": rayImage}},
	}}
}

func specOf(c cluster) map[string]any { return c["spec"].(map[string]any) }

func headGroupOf(c cluster) map[string]any {
	return specOf(c)["headGroupSpec"].(map[string]any)
}

func workerGroupsOf(c cluster) []map[string]any {
	list, _ := specOf(c)["workerGroupSpecs"].([]any)
	out := make([]map[string]any, 0, len(list))
	for _, g := range list {
		out = append(out, g.(map[string]any))
	}
	return out
}

func podSpecOf(group map[string]any) map[string]any {
	return group["template"].(map[string]any)["spec"].(map[string]any)
}

func rayContainerOf(group map[string]any) map[string]any {
	return podSpecOf(group)["containers"].([]any)[0].(map[string]any)
}

// allRay edits the Ray container of the head and of every worker group.
func allRay(edits ...containerEdit) specEdit {
	return func(c cluster) {
		headRay(edits...)(c)
		for i := range workerGroupsOf(c) {
			workerRay(i, edits...)(c)
		}
	}
}

func headRay(edits ...containerEdit) specEdit {
	return func(c cluster) {
		for _, e := range edits {
			e(rayContainerOf(headGroupOf(c)))
		}
	}
}

func workerRay(i int, edits ...containerEdit) specEdit {
	return func(c cluster) {
		for _, e := range edits {
			e(rayContainerOf(workerGroupsOf(c)[i]))
		}
	}
}

// resources sets the container's limits and requests (nil: none).
func resources(limits, requests map[string]any) containerEdit {
	return func(c map[string]any) {
		r := map[string]any{}
		if limits != nil {
			r["limits"] = limits
		}
		if requests != nil {
			r["requests"] = requests
		}
		c["resources"] = r
	}
}

// limits builds a resource list from name, quantity pairs.
func limits(kv ...string) map[string]any {
	m := map[string]any{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

// set sets container fields from key, value pairs.
func set(kv ...any) containerEdit {
	return func(c map[string]any) {
		for i := 0; i+1 < len(kv); i += 2 {
			c[kv[i].(string)] = kv[i+1]
		}
	}
}

func list(items ...any) []any { return items }

func appendEnv(c map[string]any, e map[string]any) {
	l, _ := c["env"].([]any)
	c["env"] = append(l, e)
}

func env(name, value string) containerEdit {
	return func(c map[string]any) { appendEnv(c, map[string]any{"name": name, "value": value}) }
}

func envFrom(name, fieldPath string) containerEdit {
	return func(c map[string]any) {
		appendEnv(c, map[string]any{"name": name, "valueFrom": map[string]any{"fieldRef": map[string]any{"fieldPath": fieldPath}}})
	}
}

func envSecret(name, secret, key string) containerEdit {
	return func(c map[string]any) {
		appendEnv(c, map[string]any{"name": name, "valueFrom": map[string]any{"secretKeyRef": map[string]any{"name": secret, "key": key}}})
	}
}

func mount(volume, path string) containerEdit {
	return func(c map[string]any) {
		l, _ := c["volumeMounts"].([]any)
		c["volumeMounts"] = append(l, map[string]any{"name": volume, "mountPath": path})
	}
}

func port(name string, p int64) map[string]any {
	return map[string]any{"name": name, "containerPort": p}
}

// annotation sets a RayCluster annotation.
func annotation(k, v string) specEdit {
	return func(c cluster) {
		meta := c["metadata"].(map[string]any)
		a, _ := meta["annotations"].(map[string]any)
		if a == nil {
			a = map[string]any{}
		}
		a[k] = v
		meta["annotations"] = a
	}
}

func namespace(ns string) specEdit {
	return func(c cluster) { c["metadata"].(map[string]any)["namespace"] = ns }
}

func setParams(group map[string]any, kv []string) {
	p, _ := group["rayStartParams"].(map[string]any)
	if p == nil {
		p = map[string]any{}
	}
	for i := 0; i+1 < len(kv); i += 2 {
		p[kv[i]] = kv[i+1]
	}
	group["rayStartParams"] = p
}

func headParams(kv ...string) specEdit {
	return func(c cluster) { setParams(headGroupOf(c), kv) }
}

func workerParams(i int, kv ...string) specEdit {
	return func(c cluster) { setParams(workerGroupsOf(c)[i], kv) }
}

func workerParamsNamed(group string, kv ...string) specEdit {
	return func(c cluster) {
		for _, g := range workerGroupsOf(c) {
			if g["groupName"] == group {
				setParams(g, kv)
			}
		}
	}
}

func allPods(edits ...podEdit) specEdit {
	return func(c cluster) {
		headPod(edits...)(c)
		for i := range workerGroupsOf(c) {
			workerPod(i, edits...)(c)
		}
	}
}

func headPod(edits ...podEdit) specEdit {
	return func(c cluster) {
		for _, e := range edits {
			e(podSpecOf(headGroupOf(c)))
		}
	}
}

func workerPod(i int, edits ...podEdit) specEdit {
	return func(c cluster) {
		for _, e := range edits {
			e(podSpecOf(workerGroupsOf(c)[i]))
		}
	}
}

func volume(v map[string]any) podEdit { return appendList("volumes", v) }

func appendList(key string, item map[string]any) podEdit {
	return func(pod map[string]any) {
		l, _ := pod[key].([]any)
		pod[key] = append(l, item)
	}
}

func setMeta(group map[string]any, key string, val any) {
	t := group["template"].(map[string]any)
	m, _ := t["metadata"].(map[string]any)
	if m == nil {
		m = map[string]any{}
	}
	m[key] = val
	t["metadata"] = m
}

func headMeta(key string, val any) specEdit {
	return func(c cluster) { setMeta(headGroupOf(c), key, val) }
}

func workerMeta(i int, key string, val any) specEdit {
	return func(c cluster) { setMeta(workerGroupsOf(c)[i], key, val) }
}

// headGroup and workerGroup set a group-level field.
func headGroup(key string, val any) specEdit {
	return func(c cluster) { headGroupOf(c)[key] = val }
}

func workerGroup(i int, key string, val any) specEdit {
	return func(c cluster) { workerGroupsOf(c)[i][key] = val }
}

func deleteSpec(key string) specEdit {
	return func(c cluster) { delete(specOf(c), key) }
}

// addWorkerGroup appends a worker group with the given Ray container edits.
func addWorkerGroup(name string, edits ...containerEdit) specEdit {
	return func(c cluster) {
		g := workerGroupSpec(name)
		for _, e := range edits {
			e(rayContainerOf(g))
		}
		s := specOf(c)
		l, _ := s["workerGroupSpecs"].([]any)
		s["workerGroupSpecs"] = append(l, g)
	}
}

func ftOptions(opts map[string]any) specEdit {
	return func(c cluster) { specOf(c)["gcsFaultToleranceOptions"] = opts }
}

// rayVersionEdit sets rayVersion and every Ray container's image tag.
func rayVersionEdit(v string) specEdit {
	return func(c cluster) {
		specOf(c)["rayVersion"] = v
		allRay(func(ct map[string]any) {
			ct["image"] = strings.TrimSuffix(rayImage, rayVersion) + v
		})(c)
	}
}
