package prockubelet

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// identity is the user a container's processes run as, from the pod's and
// the container's securityContext, as a container runtime sets it up.
type identity struct {
	uid, gid int64
	// groups are the supplementary groups: the pod's supplementalGroups and
	// fsGroup, as the kubelet passes them to the runtime.
	groups []int64
	// noNewPrivs is allowPrivilegeEscalation: false.
	noNewPrivs bool
	// dropAll is capabilities.drop containing ALL.
	dropAll bool
}

// containerIdentity is the identity container c of pod runs as; nil when
// neither the container nor the pod sets runAsUser: the image's user is
// unknown here, so such a container runs as the kubelet's own user. A UID
// without a runAsGroup gets group 0, as a runtime gives a UID that has no
// entry in the image's /etc/passwd (OpenShift's arbitrary UIDs).
// runAsNonRoot with runAsUser 0 is refused, as the kubelet refuses it.
func containerIdentity(pod *corev1.Pod, c corev1.Container) (*identity, error) {
	psc := pod.Spec.SecurityContext
	if psc == nil {
		psc = &corev1.PodSecurityContext{}
	}
	csc := c.SecurityContext
	if csc == nil {
		csc = &corev1.SecurityContext{}
	}
	uid := firstSet(csc.RunAsUser, psc.RunAsUser)
	if uid == nil {
		return nil, nil
	}
	nonRoot := firstSet(csc.RunAsNonRoot, psc.RunAsNonRoot)
	if *uid == 0 && nonRoot != nil && *nonRoot {
		return nil, fmt.Errorf("container %s: runAsNonRoot and runAsUser 0: container's runAsUser breaks non-root policy", c.Name)
	}
	id := &identity{uid: *uid}
	if gid := firstSet(csc.RunAsGroup, psc.RunAsGroup); gid != nil {
		id.gid = *gid
	}
	id.groups = append(id.groups, psc.SupplementalGroups...)
	if psc.FSGroup != nil && !slices.Contains(id.groups, *psc.FSGroup) {
		id.groups = append(id.groups, *psc.FSGroup)
	}
	id.noNewPrivs = csc.AllowPrivilegeEscalation != nil && !*csc.AllowPrivilegeEscalation
	if csc.Capabilities != nil {
		id.dropAll = slices.Contains(csc.Capabilities.Drop, "ALL")
	}
	return id, nil
}

func firstSet[T any](vals ...*T) *T {
	for _, v := range vals {
		if v != nil {
			return v
		}
	}
	return nil
}

// setprivArgv runs argv as id: UID, GID and supplementary groups set, the
// capabilities dropped when the container drops ALL, no_new_privs when it
// forbids privilege escalation. setpriv (util-linux) does it after the
// mount set-up that needs root (see wrapArgv).
func (id *identity) setprivArgv(argv []string) []string {
	out := []string{"setpriv", "--reuid=" + strconv.FormatInt(id.uid, 10), "--regid=" + strconv.FormatInt(id.gid, 10)}
	if len(id.groups) == 0 {
		out = append(out, "--clear-groups")
	} else {
		g := make([]string, len(id.groups))
		for i, v := range id.groups {
			g[i] = strconv.FormatInt(v, 10)
		}
		out = append(out, "--groups="+strings.Join(g, ","))
	}
	if id.dropAll {
		out = append(out, "--inh-caps=-all", "--bounding-set=-all")
	}
	if id.noNewPrivs {
		out = append(out, "--no-new-privs")
	}
	return append(append(out, "--"), argv...)
}

// podRunsAsOthers says whether any container of the pod runs as a user set
// in its securityContext; its folder is then laid out as an image's
// filesystem would be (see podWorker.prepareForUsers).
func podRunsAsOthers(pod *corev1.Pod) bool {
	for _, c := range slices.Concat(pod.Spec.InitContainers, pod.Spec.Containers) {
		if id, err := containerIdentity(pod, c); err != nil || id != nil {
			return true
		}
	}
	return false
}

// canRunAs reports why the kubelet cannot switch to another user, or "".
func canRunAs() string {
	if os.Geteuid() != 0 {
		return "running a container as its securityContext's runAsUser needs root"
	}
	return ""
}
