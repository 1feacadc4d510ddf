package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
	"github.com/ray-ha-operator/ray-ha-operator/test/harness"
)

// readyBound is how long a new RayCluster may take to become ready. On the
// simulated cluster pods are Running within seconds; the rest is the
// operator's first Helm install.
const readyBound = 2 * time.Minute

// createRayCluster creates the Secret and the RayCluster, waits until the
// cluster is ready and prints its status.
func (d *demo) createRayCluster(ctx context.Context) error {
	d.step("creating RayCluster %s with gcsFaultToleranceOptions (Redis password from the Secret %s)", d.rayCluster, passwordSecretName)
	began := time.Now()
	if err := d.applyManifest(ctx); err != nil {
		return err
	}
	rc, err := d.waitClusterReady(ctx, readyBound)
	if err != nil {
		return err
	}
	d.detail("ready after %s (manifest: %s)", roundDuration(time.Since(began)), d.manifestPath)
	d.storageNamespace = storageNamespace(rc)
	d.printStatus(ctx, rc)
	return nil
}

// waitClusterReady waits for state ready and a Ready head.
func (d *demo) waitClusterReady(ctx context.Context, bound time.Duration) (*rayv1.RayCluster, error) {
	var rc rayv1.RayCluster
	_, err := harness.Wait(ctx, bound, "RayCluster "+d.rayCluster.String()+" ready", d.operator.While(func(ctx context.Context) (bool, string, error) {
		if err := d.k8s.Get(ctx, d.rayCluster, &rc); err != nil {
			return false, err.Error(), nil
		}
		done := rc.Status.State == rayv1.ClusterStateReady && harness.ConditionIs(&rc, rayv1.HeadPodReady, metav1.ConditionTrue)
		return done, fmt.Sprintf("state %q", rc.Status.State), nil
	}))
	if err != nil {
		return nil, fmt.Errorf("%w\nits status conditions:\n%s%s\noperator log: %s", err, describeConditions(&rc), missingHooksHint(&rc), d.operator.LogPath)
	}
	return &rc, nil
}

// missingHooksHint explains a status written only by the Helm reconciler:
// the chart was applied, but nothing reports the head, so the operator
// binary runs without the RayCluster hooks.
func missingHooksHint(rc *rayv1.RayCluster) string {
	if harness.FindCondition(rc, rayv1.Deployed) == nil || harness.FindCondition(rc, rayv1.HeadPodReady) != nil || harness.FindCondition(rc, rayv1.HeadRecovering) != nil {
		return ""
	}
	return "\nthe chart is deployed but no head condition (HeadPodReady, HeadRecovering) is ever set:" +
		"\nthis operator build runs the Helm reconciler without the RayCluster hooks (internal/operator.SetupRayCluster)"
}

// storageNamespace is the cluster's GCS namespace in Redis: the one set in
// the spec, else the RayCluster's UID (the operator's default, as KubeRay's).
func storageNamespace(rc *rayv1.RayCluster) string {
	if o := rc.Spec.GcsFaultToleranceOptions; o != nil && o.ExternalStorageNamespace != "" {
		return o.ExternalStorageNamespace
	}
	return string(rc.UID)
}

// printStatus shows the cluster as the operator reports it.
func (d *demo) printStatus(ctx context.Context, rc *rayv1.RayCluster) {
	st := rc.Status
	node := d.podNode(ctx, st.Head.PodName)
	fmt.Fprintf(d.out, "\n  RayCluster %s: state %q\n", d.rayCluster, st.State)
	tw := tabwriter.NewWriter(d.out, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "    head\t%s on %s, pod IP %s, Service %s\n", st.Head.PodName, node, orDash(st.Head.PodIP), orDash(st.Head.ServiceName))
	fmt.Fprintf(tw, "    workers\t%d ready of %d desired\n", st.ReadyWorkerReplicas, st.DesiredWorkerReplicas)
	fmt.Fprintf(tw, "    GCS storage\tRedis namespace %s\n", d.storageNamespace)
	fmt.Fprintf(tw, "    finalizers\t%s\n", orDash(strings.Join(rc.Finalizers, ", ")))
	if st.Recovery != nil {
		fmt.Fprintf(tw, "    recoveries\t%d\n", st.Recovery.Count)
	}
	_ = tw.Flush()
	fmt.Fprintf(d.out, "    conditions:\n%s\n", describeConditions(rc))
}

// describeConditions lists the conditions as "type=status reason: message".
func describeConditions(rc *rayv1.RayCluster) string {
	if len(rc.Status.Conditions) == 0 {
		return "      (none yet)"
	}
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	for _, c := range rc.Status.Conditions {
		fmt.Fprintf(tw, "      %s\t%s\t%s\t%s\n", c.Type, c.Status, c.Reason, oneLine(c.Message, 70))
	}
	_ = tw.Flush()
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	for i := range lines {
		lines[i] = strings.TrimRight(lines[i], " ")
	}
	return strings.Join(lines, "\n")
}

// podNode names the node a pod runs on, or "-".
func (d *demo) podNode(ctx context.Context, name string) string {
	if name == "" {
		return "-"
	}
	var pod corev1.Pod
	if err := d.k8s.Get(ctx, client.ObjectKey{Namespace: d.rayCluster.Namespace, Name: name}, &pod); err != nil {
		return "-"
	}
	return orDash(pod.Spec.NodeName)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// oneLine shortens a message to one line of at most n characters.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		return s[:n-1] + "…"
	}
	return s
}
