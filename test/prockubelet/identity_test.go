package prockubelet

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
)

func TestContainerIdentity(t *testing.T) {
	restricted := &corev1.SecurityContext{RunAsUser: ptr.To[int64](1000650001), AllowPrivilegeEscalation: ptr.To(false),
		Capabilities: &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}}}
	tests := map[string]struct {
		pod     corev1.PodSecurityContext
		c       *corev1.SecurityContext
		want    *identity
		wantErr bool
	}{
		"no runAsUser: the kubelet's own user": {pod: corev1.PodSecurityContext{RunAsNonRoot: ptr.To(true)}},
		"restricted-v2: container UID, group 0, fsGroup added": {
			pod: corev1.PodSecurityContext{FSGroup: ptr.To[int64](1000650000), RunAsNonRoot: ptr.To(true)}, c: restricted,
			want: &identity{uid: 1000650001, gid: 0, groups: []int64{1000650000}, noNewPrivs: true, dropAll: true}},
		"pod-level user and group, supplemental groups": {
			pod:  corev1.PodSecurityContext{RunAsUser: ptr.To[int64](2000), RunAsGroup: ptr.To[int64](3000), SupplementalGroups: []int64{4000}, FSGroup: ptr.To[int64](4000)},
			want: &identity{uid: 2000, gid: 3000, groups: []int64{4000}}},
		"container wins over pod": {
			pod: corev1.PodSecurityContext{RunAsUser: ptr.To[int64](2000)}, c: &corev1.SecurityContext{RunAsUser: ptr.To[int64](2001)},
			want: &identity{uid: 2001}},
		"runAsNonRoot with UID 0 is refused": {
			pod: corev1.PodSecurityContext{RunAsNonRoot: ptr.To(true)}, c: &corev1.SecurityContext{RunAsUser: ptr.To[int64](0)}, wantErr: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			pod := &corev1.Pod{Spec: corev1.PodSpec{SecurityContext: &tc.pod}}
			got, err := containerIdentity(pod, corev1.Container{Name: "ray", SecurityContext: tc.c})
			if (err != nil) != tc.wantErr {
				t.Fatalf("error %v, want error %v", err, tc.wantErr)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("identity %+v, want %+v", got, tc.want)
			}
		})
	}
}

// TestContainerRunsAsItsUser runs a process as a restricted-v2 container
// would run: an arbitrary UID, group 0, HOME the image user's and not
// writable, the temp folder writable, a program under a folder only root
// may enter still runnable.
func TestContainerRunsAsItsUser(t *testing.T) {
	if why := canRunAs(); why != "" {
		if os.Getenv("CI") == "true" {
			t.Fatal(why)
		}
		t.Skip(why)
	}
	// Not t.TempDir: its parent is 0700, and the pod's folder must be
	// reachable by the container's user.
	base, err := os.MkdirTemp("", "pkid")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(base) })
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	// A program in a 0700 folder: the interpreter under /root on this machine.
	private := filepath.Join(base, "private")
	if err := os.MkdirAll(filepath.Join(private, "py", "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(private, 0o700); err != nil {
		t.Fatal(err)
	}
	prog := filepath.Join(private, "py", "bin", "whoami.sh")
	script := "#!/bin/sh\nid -u; id -g; id -G; pwd; touch \"$HOME/x\" 2>/dev/null && echo home-writable || echo home-read-only; touch \"$TMPDIR/x\" && echo tmp-writable\n"
	if err := os.WriteFile(prog, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	pod := &corev1.Pod{Spec: corev1.PodSpec{SecurityContext: &corev1.PodSecurityContext{FSGroup: ptr.To[int64](1000650000)}}}
	c := corev1.Container{Name: "ray", SecurityContext: &corev1.SecurityContext{RunAsUser: ptr.To[int64](1000650001),
		AllowPrivilegeEscalation: ptr.To(false), Capabilities: &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}}}}
	pod.Spec.Containers = []corev1.Container{c}
	w := &podWorker{k: &Kubelet{cfg: Config{ImageUser: ImageUser{UID: 1000, GID: 100}, ImagePaths: []string{filepath.Join(private, "py")}}},
		pod: pod, dir: filepath.Join(base, "p1")}
	if err := w.mkdirs(); err != nil {
		t.Fatal(err)
	}
	if err := w.prepareForUsers(); err != nil {
		t.Fatal(err)
	}
	id, err := containerIdentity(pod, c)
	if err != nil {
		t.Fatal(err)
	}
	argv, err := w.containerArgv(id, c, []string{prog}, false)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + w.home(), "TMPDIR=" + w.tmp()}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %v\n%s", argv, err, out)
	}
	want := strings.Join([]string{"1000650001", "0", "0 1000650000", w.home(), "home-read-only", "tmp-writable"}, "\n") + "\n"
	if string(out) != want {
		t.Errorf("the container saw\n%s\nwant\n%s", out, want)
	}
}
