package ray_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
	"github.com/ray-ha-operator/ray-ha-operator/test/harness/simenv"
	"github.com/ray-ha-operator/ray-ha-operator/test/ray"
	"github.com/ray-ha-operator/ray-ha-operator/test/redisserver"
)

// The UID range OpenShift gives a namespace (openshift.io/sa.scc.uid-range
// 1000650000/10000): restricted-v2 runs each pod as a UID from it and makes
// its first UID the pod's fsGroup.
const (
	sccRangeStart = 1000650000
	sccRangeSize  = 10000
)

// TestRayUnderRestrictedV2 runs the stock Ray set-up as OpenShift's
// restricted-v2 SCC runs it (ray-project/ray#30959): the pods carry what the
// SCC injects (a UID from the namespace's range, that range's fsGroup,
// runAsNonRoot, no privilege escalation, all capabilities dropped, seccomp
// RuntimeDefault), and the process kubelet runs every container as that UID
// with group 0 and HOME a folder of the image's user (1000:100, 0755), as
// /home/ray is in the Ray image: Ray cannot write HOME. With the chart's
// defaults the head and a worker start, a detached actor and tasks run, and
// a replaced head (GCS fault tolerance) finds the actor with its state.
func TestRayUnderRestrictedV2(t *testing.T) {
	requireRootForUsers(t)
	venv := ray.RequireVenv(t)
	interp, err := venv.Interpreter()
	if err != nil {
		t.Fatal(err)
	}
	srv := redisserver.Start(t, redisserver.Options{Password: failoverRedisPassword})
	env := simenv.Start(t, simenv.Options{Nodes: 1})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	ports, err := ray.FreePorts()
	if err != nil {
		t.Fatal(err)
	}
	s := failoverSpec{name: "rv", ns: env.Namespace(t, "restricted"), redisAddr: srv.Addr(), secretName: "redis-auth",
		ports: ports, dir: ray.ShortTempDir(t, "rv"), imagePaths: []string{venv.Dir, interp}}
	// The pods' folders must be reachable by their UID, as a container's
	// root filesystem is.
	if err := os.Chmod(s.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	uid := int64(sccRangeStart + rand.IntN(sccRangeSize))
	t.Logf("pods run as UID %d, fsGroup %d", uid, sccRangeStart)
	s.hostsFile = startClusterDNS(t, env, s)
	nodes := startNodes(t, env, venv, s, []nodeRole{{"rv-head", "head"}, {"rv-worker", "worker"}})
	createPasswordSecret(t, env, s)
	env.Create(t, restrictedV2(s.rayCluster(), uid))
	checkHeadFQDN(t, env, s)

	head := env.WaitReady(t, s.ns, s.name, 150*time.Second)
	worker := workerPod(t, env, s)
	for _, p := range []*corev1.Pod{head, worker} {
		checkAdmittedByRestrictedV2(t, p, uid)
	}
	checkRunsAs(t, driver(ctx, t, nodes[head.Spec.NodeName], venv, s.ns, head.Name, "whoami"), uid)
	created := driver(ctx, t, nodes[head.Spec.NodeName], venv, s.ns, head.Name, "create")
	if got := fmt.Sprint(created["values"]); got != "[1 2 3]" {
		t.Fatalf("detached actor counted %s, want [1 2 3]", got)
	}

	// Head replacement: the new head runs as the same UID, its GCS reads
	// the cluster back from Redis, the worker reconnects.
	if err := env.Client.Delete(ctx, head); err != nil {
		t.Fatalf("deleting the head pod: %v", err)
	}
	newHead, took := env.WaitNewHeadReady(t, s.ns, s.name, head.UID, 150*time.Second)
	t.Logf("new head %s Ready %.1f s after the old one was deleted", newHead.Name, took.Seconds())
	checkAdmittedByRestrictedV2(t, newHead, uid)
	resumed := driver(ctx, t, nodes[newHead.Spec.NodeName], venv, s.ns, newHead.Name, "resume")
	if v, _ := resumed["value"].(float64); v != 4 {
		t.Errorf("actor counter after the head replacement = %v, want 4 (state lost)", resumed["value"])
	}
	checkRunsAs(t, driver(ctx, t, nodes[newHead.Spec.NodeName], venv, s.ns, newHead.Name, "whoami"), uid)
}

// requireRootForUsers skips (fails in CI) when the process kubelet cannot
// run containers as other users: that takes root (setuid, mount).
func requireRootForUsers(t *testing.T) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	why := "running Ray as an arbitrary UID needs root (setuid, mount namespaces)"
	if os.Getenv("CI") == "true" {
		t.Fatal(why)
	}
	t.Skip(why)
}

// restrictedV2 gives the RayCluster's pods what restricted-v2 puts in a pod
// that leaves them unset: the pod's UID and fsGroup from the namespace's
// range (at pod level, so the containers the chart adds get them too),
// runAsNonRoot, seccomp RuntimeDefault, and on the Ray container no
// privilege escalation and all capabilities dropped. The workers keep their
// temp dir in their pod's TMPDIR, where /tmp/ray would be.
func restrictedV2(rc *rayv1.RayCluster, uid int64) *rayv1.RayCluster {
	templates := []*corev1.PodTemplateSpec{&rc.Spec.HeadGroupSpec.Template}
	for i := range rc.Spec.WorkerGroupSpecs {
		templates = append(templates, &rc.Spec.WorkerGroupSpecs[i].Template)
		rc.Spec.WorkerGroupSpecs[i].RayStartParams["temp-dir"] = "$TMPDIR/ray"
	}
	for _, tmpl := range templates {
		tmpl.Spec.SecurityContext = &corev1.PodSecurityContext{
			RunAsUser: ptr.To(uid), FSGroup: ptr.To[int64](sccRangeStart), RunAsNonRoot: ptr.To(true),
			SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
		}
		tmpl.Spec.Containers[0].SecurityContext = &corev1.SecurityContext{
			RunAsUser: ptr.To(uid), AllowPrivilegeEscalation: ptr.To(false),
			Capabilities: &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
		}
	}
	return rc
}

// checkAdmittedByRestrictedV2 checks the pod the chart rendered still has
// what restricted-v2 demands on every container, the SCC's UID and fsGroup
// among them, and only volume types it allows.
func checkAdmittedByRestrictedV2(t *testing.T, p *corev1.Pod, uid int64) {
	t.Helper()
	psc := p.Spec.SecurityContext
	if psc == nil || psc.FSGroup == nil || *psc.FSGroup != sccRangeStart || psc.RunAsUser == nil || *psc.RunAsUser != uid {
		t.Errorf("pod %s: securityContext %+v, want runAsUser %d and fsGroup %d", p.Name, psc, uid, sccRangeStart)
	}
	for _, c := range slices.Concat(p.Spec.InitContainers, p.Spec.Containers) {
		sc := c.SecurityContext
		switch {
		case sc == nil:
			t.Errorf("pod %s container %s: no securityContext", p.Name, c.Name)
		case sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation:
			t.Errorf("pod %s container %s: allowPrivilegeEscalation not false", p.Name, c.Name)
		case sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL") || len(sc.Capabilities.Add) > 0:
			t.Errorf("pod %s container %s: capabilities %+v, want drop ALL and nothing added", p.Name, c.Name, sc.Capabilities)
		case sc.RunAsUser != nil && *sc.RunAsUser != uid:
			t.Errorf("pod %s container %s: runAsUser %d, want %d", p.Name, c.Name, *sc.RunAsUser, uid)
		case sc.Privileged != nil && *sc.Privileged:
			t.Errorf("pod %s container %s: privileged", p.Name, c.Name)
		}
	}
	for _, v := range p.Spec.Volumes {
		if v.ConfigMap == nil && v.DownwardAPI == nil && v.EmptyDir == nil && v.PersistentVolumeClaim == nil && v.Projected == nil && v.Secret == nil {
			t.Errorf("pod %s: volume %s is of a type restricted-v2 refuses", p.Name, v.Name)
		}
	}
}

// checkRunsAs checks a whoami result: the driver exec'ed in the head and a
// task on the worker ran as uid, group 0, with the fsGroup, and could not
// write HOME; Ray's session dir belongs to uid.
func checkRunsAs(t *testing.T, res map[string]any, uid int64) {
	t.Helper()
	for _, who := range []string{"driver", "task"} {
		m, _ := res[who].(map[string]any)
		// JSON numbers arrive as float64, exact for these values.
		gotUID, _ := m["uid"].(float64)
		gotGID, _ := m["gid"].(float64)
		groups, _ := m["groups"].([]any)
		if int64(gotUID) != uid || m["gid"] == nil || gotGID != 0 || len(groups) != 1 || groups[0] != float64(sccRangeStart) {
			t.Errorf("%s ran as uid %v gid %v groups %v, want %d, 0, [%d]", who, m["uid"], m["gid"], m["groups"], uid, sccRangeStart)
		}
		if m["home_writable"] != false {
			t.Errorf("%s could write HOME %v: the test does not reproduce an unwritable HOME", who, m["home"])
		}
	}
	dir, _ := res["session_dir"].(string)
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatalf("Ray's session dir: %v", err)
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); !ok || int64(st.Uid) != uid {
		t.Errorf("Ray's session dir %s belongs to uid %v, want %d", dir, fi.Sys(), uid)
	}
	t.Logf("driver %v; task %v; session dir %s", res["driver"], res["task"], dir)
}
