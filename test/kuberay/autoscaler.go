package kuberay

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

// oracleAutoscaler mirrors the oracle's AutoscalerRBAC
// (oracle/autoscaler.go): what KubeRay creates for the autoscaler sidecar.
type oracleAutoscaler struct {
	AutoscalerServiceAccount *corev1.ServiceAccount `json:"autoscalerServiceAccount,omitempty"`
	AutoscalerRole           *rbacv1.Role           `json:"autoscalerRole,omitempty"`
	AutoscalerRoleBinding    *rbacv1.RoleBinding    `json:"autoscalerRoleBinding,omitempty"`
	AutoscalerRBACError      string                 `json:"autoscalerRBACError,omitempty"`
}

// ourAutoscaler is the same, as the chart rendered it (in ourRender).
type ourAutoscaler struct {
	AutoscalerServiceAccount *corev1.ServiceAccount
	AutoscalerRole           *rbacv1.Role
	AutoscalerRoleBinding    *rbacv1.RoleBinding
}

// The objects, as Difference.Pod names them.
const (
	objAutoscalerSA      = "autoscaler ServiceAccount"
	objAutoscalerRole    = "autoscaler Role"
	objAutoscalerBinding = "autoscaler RoleBinding"
)

// Fields of the autoscaler's facts.
const (
	fieldAutoscaler   = "autoscaler container" // image, imagePullPolicy, command, args, resources, envFrom
	fieldAutoscalerEv = "autoscaler env"       // by name
	fieldAutoscalerMt = "autoscaler mount"     // by path
	fieldAutoscalerSC = "autoscaler securityContext"
	fieldPodSpec      = "pod spec" // serviceAccountName, restartPolicy
	fieldRBAC         = "RBAC"     // (exists), name, rule <group>/<resource>, subjects, roleRef
)

// autoscalerContainerName is the sidecar's name on both sides; KubeRay
// finds it by that name.
const autoscalerContainerName = "autoscaler"

// collectAutoscalerRBAC finds the autoscaler's ServiceAccount, Role and
// RoleBinding among what the chart rendered.
func collectAutoscalerRBAC(objs []*unstructured.Unstructured, out ourRender) (ourRender, error) {
	for _, o := range objs {
		var target any
		switch o.GetKind() {
		case "ServiceAccount":
			out.AutoscalerServiceAccount = &corev1.ServiceAccount{}
			target = out.AutoscalerServiceAccount
		case "Role":
			out.AutoscalerRole = &rbacv1.Role{}
			target = out.AutoscalerRole
		case "RoleBinding":
			out.AutoscalerRoleBinding = &rbacv1.RoleBinding{}
			target = out.AutoscalerRoleBinding
		default:
			continue
		}
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, target); err != nil {
			return out, fmt.Errorf("reading the %s %s: %w", o.GetKind(), o.GetName(), err)
		}
	}
	return out, nil
}

// autoscalerPodFacts: the pod's ServiceAccount and restartPolicy (the API
// server's default filled in), and everything about a container named
// autoscaler that the Ray autoscaler depends on.
func autoscalerPodFacts(f Facts, spec corev1.PodSpec, pc podContext) {
	if spec.ServiceAccountName != "" {
		f[Fact{fieldPodSpec, "serviceAccountName"}] = spec.ServiceAccountName
	}
	rp := spec.RestartPolicy
	if rp == "" {
		rp = corev1.RestartPolicyAlways
	}
	f[Fact{fieldPodSpec, "restartPolicy"}] = string(rp)
	for _, c := range spec.Containers {
		if c.Name == autoscalerContainerName {
			autoscalerContainerFacts(f, c, pc)
			return // KubeRay uses the first of that name
		}
	}
}

func autoscalerContainerFacts(f Facts, c corev1.Container, pc podContext) {
	f[Fact{fieldAutoscaler, "image"}] = c.Image
	f[Fact{fieldAutoscaler, "imagePullPolicy"}] = string(c.ImagePullPolicy)
	f[Fact{fieldAutoscaler, "command"}] = jsonFact(c.Command)
	f[Fact{fieldAutoscaler, "args"}] = jsonFact(c.Args)
	f[Fact{fieldAutoscaler, "resources"}] = resourcesFact(c.Resources)
	if len(c.EnvFrom) > 0 {
		f[Fact{fieldAutoscaler, "envFrom"}] = jsonFact(c.EnvFrom)
	}
	for name, v := range effectiveEnv(c.Env, pc) {
		f[Fact{fieldAutoscalerEv, name}] = v
	}
	for _, m := range c.VolumeMounts {
		v := "volume " + m.Name
		if m.ReadOnly {
			v += ", read-only"
		}
		if m.SubPath != "" {
			v += ", subPath " + m.SubPath
		}
		f[Fact{fieldAutoscalerMt, m.MountPath}] = v
	}
	if c.SecurityContext != nil {
		var fields map[string]json.RawMessage
		if err := json.Unmarshal([]byte(jsonFact(c.SecurityContext)), &fields); err != nil {
			f[Fact{fieldAutoscalerSC, "(parse error)"}] = err.Error()
		}
		for k, v := range fields {
			f[Fact{fieldAutoscalerSC, k}] = string(v)
		}
	}
}

// resourcesFact: requests and limits with canonical quantities.
func resourcesFact(r corev1.ResourceRequirements) string {
	part := func(l corev1.ResourceList) string {
		var kv []string
		for k, q := range l {
			kv = append(kv, string(k)+"="+q.String())
		}
		sort.Strings(kv)
		return strings.Join(kv, ",")
	}
	return fmt.Sprintf("requests {%s} limits {%s}", part(r.Requests), part(r.Limits))
}

func jsonFact(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "(cannot encode: " + err.Error() + ")"
	}
	return string(b)
}

// autoscalerRBACDiffs compares the autoscaler's three objects. No object on
// either side gives no facts; one side only shows as (exists).
func autoscalerRBACDiffs(spec string, kr oracleResult, ours ourRender) []Difference {
	var diffs []Difference
	if kr.AutoscalerRBACError != "" {
		diffs = append(diffs, Difference{Spec: spec, Pod: objAutoscalerRole, Field: fieldRBAC, Name: "(exists)",
			KubeRay: "no: " + kr.AutoscalerRBACError, Ours: yesNo(ours.AutoscalerRole != nil)})
	}
	sa := func(s *corev1.ServiceAccount) Facts {
		if s == nil {
			return Facts{}
		}
		return rbacObjectFacts(s.Name, s.Labels)
	}
	diffs = append(diffs, compareFacts(spec, objAutoscalerSA, sa(kr.AutoscalerServiceAccount), sa(ours.AutoscalerServiceAccount))...)
	diffs = append(diffs, compareFacts(spec, objAutoscalerRole, roleFacts(kr.AutoscalerRole), roleFacts(ours.AutoscalerRole))...)
	return append(diffs, compareFacts(spec, objAutoscalerBinding, bindingFacts(kr.AutoscalerRoleBinding), bindingFacts(ours.AutoscalerRoleBinding))...)
}

func rbacObjectFacts(name string, labels map[string]string) Facts {
	f := Facts{{fieldRBAC, "(exists)"}: "yes", {fieldRBAC, "name"}: name}
	for k, v := range labels {
		f[Fact{fieldLabel, k}] = v
	}
	return f
}

// roleFacts: one fact per API group and resource, the verbs granted on it
// (sorted, merged over rules), so rules split or ordered differently
// compare equal and any extra or missing permission shows.
func roleFacts(r *rbacv1.Role) Facts {
	if r == nil {
		return Facts{}
	}
	f := rbacObjectFacts(r.Name, r.Labels)
	verbs := map[string]map[string]bool{}
	for _, rule := range r.Rules {
		for _, g := range rule.APIGroups {
			for _, res := range rule.Resources {
				key := "rule " + g + "/" + res
				if len(rule.ResourceNames) > 0 {
					key += " names " + strings.Join(rule.ResourceNames, ",")
				}
				if verbs[key] == nil {
					verbs[key] = map[string]bool{}
				}
				for _, v := range rule.Verbs {
					verbs[key][v] = true
				}
			}
		}
		if len(rule.NonResourceURLs) > 0 {
			f[Fact{fieldRBAC, "nonResourceURLs"}] = strings.Join(rule.NonResourceURLs, ",")
		}
	}
	for key, set := range verbs {
		var vs []string
		for v := range set {
			vs = append(vs, v)
		}
		sort.Strings(vs)
		f[Fact{fieldRBAC, key}] = strings.Join(vs, ",")
	}
	return f
}

func bindingFacts(b *rbacv1.RoleBinding) Facts {
	if b == nil {
		return Facts{}
	}
	f := rbacObjectFacts(b.Name, b.Labels)
	var subjects []string
	for _, s := range b.Subjects {
		subjects = append(subjects, fmt.Sprintf("%s %s/%s", s.Kind, s.Namespace, s.Name))
	}
	sort.Strings(subjects)
	f[Fact{fieldRBAC, "subjects"}] = strings.Join(subjects, "; ")
	f[Fact{fieldRBAC, "roleRef"}] = fmt.Sprintf("%s/%s %s", b.RoleRef.APIGroup, b.RoleRef.Kind, b.RoleRef.Name)
	return f
}
