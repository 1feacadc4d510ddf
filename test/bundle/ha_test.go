package bundle

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"
)

// defaultNotReadyToleration is what Kubernetes' DefaultTolerationSeconds
// admission gives a pod without its own: five minutes on a lost node.
const defaultNotReadyToleration = 300 * time.Second

// TestOperatorHA checks what keeps head recovery going when the operator's
// own pod or node is lost, in the Deployment as OLM creates it from the CSV
// (config/ renders the same: TestBundleUpToDate) and in the bundle's PDB.
func TestOperatorHA(t *testing.T) {
	csv, _, err := mustLayout(t).ReadCSV()
	if err != nil {
		t.Fatal(err)
	}
	deps := csv.Spec.InstallStrategy.StrategySpec.DeploymentSpecs
	if len(deps) != 1 {
		t.Fatalf("CSV has %d deployments, want 1", len(deps))
	}
	spec := deps[0].Spec
	pdb := readBundlePDB(t)
	checks := map[string]func() error{
		"two replicas under leader election": func() error { return checkReplicas(spec) },
		"a rollout keeps both replicas":      func() error { return checkRollout(spec) },
		"replicas spread over nodes":         func() error { return checkSpread(spec.Template) },
		"lost node's pod evicted soon":       func() error { return checkTolerations(spec.Template.Spec.Tolerations) },
		"PDB lets one replica go at a time":  func() error { return checkPDB(pdb, spec) },
	}
	for name, check := range checks {
		t.Run(name, func(t *testing.T) {
			if err := check(); err != nil {
				t.Error(err)
			}
		})
	}
}

func checkReplicas(spec appsv1.DeploymentSpec) error {
	if n := ptr.Deref(spec.Replicas, 1); n < 2 {
		return fmt.Errorf("replicas %d: a lost operator node stops every head recovery until the pod is rescheduled", n)
	}
	// Two replicas without an election would both force-delete heads.
	for _, c := range spec.Template.Spec.Containers {
		if slices.Contains(c.Args, "--leader-elect") || slices.Contains(c.Args, "--leader-elect=true") {
			return nil
		}
	}
	return fmt.Errorf("no container runs with --leader-elect")
}

func checkRollout(spec appsv1.DeploymentSpec) error {
	ru := spec.Strategy.RollingUpdate
	if spec.Strategy.Type != appsv1.RollingUpdateDeploymentStrategyType || ru == nil || ru.MaxUnavailable == nil {
		return fmt.Errorf("strategy %+v: want RollingUpdate with maxUnavailable 0", spec.Strategy)
	}
	if v := ru.MaxUnavailable.String(); v != "0" && v != "0%" {
		return fmt.Errorf("rolling update maxUnavailable %s: a rollout would leave no standby", v)
	}
	return nil
}

// checkSpread wants a preferred anti-affinity (or a topology spread) on the
// node name that selects the operator's own pods.
func checkSpread(tmpl corev1.PodTemplateSpec) error {
	own := labels.Set(tmpl.Labels)
	selects := func(s *metav1.LabelSelector) bool {
		sel, err := metav1.LabelSelectorAsSelector(s)
		return err == nil && !sel.Empty() && sel.Matches(own)
	}
	if a := tmpl.Spec.Affinity; a != nil && a.PodAntiAffinity != nil {
		for _, w := range a.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution {
			if w.PodAffinityTerm.TopologyKey == corev1.LabelHostname && selects(w.PodAffinityTerm.LabelSelector) {
				return nil
			}
		}
		if len(a.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution) > 0 {
			return fmt.Errorf("required pod anti-affinity: a single-node cluster could run only one replica")
		}
	}
	for _, c := range tmpl.Spec.TopologySpreadConstraints {
		if c.TopologyKey == corev1.LabelHostname && selects(c.LabelSelector) {
			return nil
		}
	}
	return fmt.Errorf("no pod anti-affinity or topology spread on %s selecting the operator's pods %v", corev1.LabelHostname, own)
}

// checkTolerations wants the not-ready and unreachable NoExecute taints
// tolerated for a bounded time shorter than Kubernetes' default, and not
// forever.
func checkTolerations(tols []corev1.Toleration) error {
	var errs []string
	for _, key := range []string{corev1.TaintNodeNotReady, corev1.TaintNodeUnreachable} {
		i := slices.IndexFunc(tols, func(t corev1.Toleration) bool {
			return t.Key == key && t.Effect == corev1.TaintEffectNoExecute
		})
		switch {
		case i < 0:
			errs = append(errs, fmt.Sprintf("no NoExecute toleration of %s: Kubernetes adds one of %s", key, defaultNotReadyToleration))
		case tols[i].TolerationSeconds == nil:
			errs = append(errs, fmt.Sprintf("%s tolerated forever: a lost node's pod would never be replaced", key))
		case time.Duration(*tols[i].TolerationSeconds)*time.Second >= defaultNotReadyToleration:
			errs = append(errs, fmt.Sprintf("%s tolerated %ds, no shorter than Kubernetes' default", key, *tols[i].TolerationSeconds))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return nil
}

// checkPDB wants a budget over the Deployment's pods that keeps one and
// still lets a drain take the other (OLM refuses maxUnavailable 0 and
// minAvailable 100%).
func checkPDB(pdb *policyv1.PodDisruptionBudget, spec appsv1.DeploymentSpec) error {
	if pdb == nil {
		return fmt.Errorf("no PodDisruptionBudget in the bundle")
	}
	sel, err := metav1.LabelSelectorAsSelector(pdb.Spec.Selector)
	if err != nil || sel.Empty() || !sel.Matches(labels.Set(spec.Template.Labels)) {
		return fmt.Errorf("PDB selector %v does not select the operator's pods %v (%v)", pdb.Spec.Selector, spec.Template.Labels, err)
	}
	minAvailable := pdb.Spec.MinAvailable
	if minAvailable == nil || minAvailable.Type != intstr.Int || pdb.Spec.MaxUnavailable != nil {
		return fmt.Errorf("PDB minAvailable %v, maxUnavailable %v: want minAvailable as a number, no maxUnavailable", minAvailable, pdb.Spec.MaxUnavailable)
	}
	if n, replicas := minAvailable.IntVal, ptr.Deref(spec.Replicas, 1); n < 1 || n >= replicas {
		return fmt.Errorf("PDB minAvailable %d with %d replicas: want at least 1 and fewer than the replicas", n, replicas)
	}
	return nil
}

// readBundlePDB returns the bundle's only PodDisruptionBudget, nil if none.
func readBundlePDB(t *testing.T) *policyv1.PodDisruptionBudget {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(mustLayout(t).BundleDir, "manifests", "*_poddisruptionbudget.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) > 1 {
		t.Fatalf("%d PodDisruptionBudgets in the bundle, want 1: %v", len(files), files)
	}
	if len(files) == 0 {
		return nil
	}
	var pdb policyv1.PodDisruptionBudget
	if err := yaml.UnmarshalStrict(mustRead(t, files[0]), &pdb); err != nil {
		t.Fatalf("parsing %s: %v", files[0], err)
	}
	return &pdb
}

// TestOperatorHAChecksReject shows each check fails on the shipped
// Deployment and PDB with one thing taken away, so a pass means something.
func TestOperatorHAChecksReject(t *testing.T) {
	csv, _, err := mustLayout(t).ReadCSV()
	if err != nil {
		t.Fatal(err)
	}
	shipped := csv.Spec.InstallStrategy.StrategySpec.DeploymentSpecs[0].Spec
	shippedPDB := readBundlePDB(t)
	tests := map[string]struct {
		mutate func(*appsv1.DeploymentSpec, *policyv1.PodDisruptionBudget)
		check  func(appsv1.DeploymentSpec, *policyv1.PodDisruptionBudget) error
	}{
		"one replica": {
			mutate: func(s *appsv1.DeploymentSpec, _ *policyv1.PodDisruptionBudget) { s.Replicas = ptr.To[int32](1) },
			check:  func(s appsv1.DeploymentSpec, _ *policyv1.PodDisruptionBudget) error { return checkReplicas(s) },
		},
		"no leader election": {
			mutate: func(s *appsv1.DeploymentSpec, _ *policyv1.PodDisruptionBudget) {
				s.Template.Spec.Containers[0].Args = slices.DeleteFunc(slices.Clone(s.Template.Spec.Containers[0].Args),
					func(a string) bool { return strings.HasPrefix(a, "--leader-elect") })
			},
			check: func(s appsv1.DeploymentSpec, _ *policyv1.PodDisruptionBudget) error { return checkReplicas(s) },
		},
		"rollout may take a replica first": {
			mutate: func(s *appsv1.DeploymentSpec, _ *policyv1.PodDisruptionBudget) {
				s.Strategy.RollingUpdate.MaxUnavailable = ptr.To(intstr.FromInt32(1))
			},
			check: func(s appsv1.DeploymentSpec, _ *policyv1.PodDisruptionBudget) error { return checkRollout(s) },
		},
		"no spread": {
			mutate: func(s *appsv1.DeploymentSpec, _ *policyv1.PodDisruptionBudget) { s.Template.Spec.Affinity = nil },
			check:  func(s appsv1.DeploymentSpec, _ *policyv1.PodDisruptionBudget) error { return checkSpread(s.Template) },
		},
		"required anti-affinity": {
			mutate: func(s *appsv1.DeploymentSpec, _ *policyv1.PodDisruptionBudget) {
				a := s.Template.Spec.Affinity.PodAntiAffinity
				a.RequiredDuringSchedulingIgnoredDuringExecution = []corev1.PodAffinityTerm{a.PreferredDuringSchedulingIgnoredDuringExecution[0].PodAffinityTerm}
				a.PreferredDuringSchedulingIgnoredDuringExecution = nil
			},
			check: func(s appsv1.DeploymentSpec, _ *policyv1.PodDisruptionBudget) error { return checkSpread(s.Template) },
		},
		"default tolerations": {
			mutate: func(s *appsv1.DeploymentSpec, _ *policyv1.PodDisruptionBudget) { s.Template.Spec.Tolerations = nil },
			check: func(s appsv1.DeploymentSpec, _ *policyv1.PodDisruptionBudget) error {
				return checkTolerations(s.Template.Spec.Tolerations)
			},
		},
		"unreachable tolerated forever": {
			mutate: func(s *appsv1.DeploymentSpec, _ *policyv1.PodDisruptionBudget) {
				for i := range s.Template.Spec.Tolerations {
					s.Template.Spec.Tolerations[i].TolerationSeconds = nil
				}
			},
			check: func(s appsv1.DeploymentSpec, _ *policyv1.PodDisruptionBudget) error {
				return checkTolerations(s.Template.Spec.Tolerations)
			},
		},
		"PDB without a selector": {
			mutate: func(_ *appsv1.DeploymentSpec, p *policyv1.PodDisruptionBudget) { p.Spec.Selector = nil },
			check:  func(s appsv1.DeploymentSpec, p *policyv1.PodDisruptionBudget) error { return checkPDB(p, s) },
		},
		"PDB blocks every drain": {
			mutate: func(_ *appsv1.DeploymentSpec, p *policyv1.PodDisruptionBudget) {
				p.Spec.MinAvailable = ptr.To(intstr.FromInt32(2))
			},
			check: func(s appsv1.DeploymentSpec, p *policyv1.PodDisruptionBudget) error { return checkPDB(p, s) },
		},
		"PDB selects other pods": {
			mutate: func(_ *appsv1.DeploymentSpec, p *policyv1.PodDisruptionBudget) {
				p.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"app": "other"}}
			},
			check: func(s appsv1.DeploymentSpec, p *policyv1.PodDisruptionBudget) error { return checkPDB(p, s) },
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			spec, pdb := *shipped.DeepCopy(), shippedPDB.DeepCopy()
			if err := tc.check(spec, pdb); err != nil {
				t.Fatalf("the shipped manifests fail already: %v", err)
			}
			tc.mutate(&spec, pdb)
			if err := tc.check(spec, pdb); err == nil {
				t.Error("check passed")
			}
		})
	}
}
