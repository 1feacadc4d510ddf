package prockubelet

// mounts are the files a container sees at fixed paths, as a container's
// volumes and its runtime's /etc/hosts: each is bind-mounted in a mount
// namespace of the container's own, so nothing outside the process and its
// children sees the change. Empty fields mount nothing.
type mounts struct {
	// serviceAccount is the folder mounted at saMountPath.
	serviceAccount string
	// hosts is the cluster DNS's hosts file (ClusterDNS), mounted at
	// /etc/hosts.
	hosts string
}

// mounts is what the pod's containers (and execs into it) get mounted.
func (w *podWorker) mounts() mounts {
	m := mounts{hosts: w.k.cfg.HostsFile}
	if w.sa != nil {
		m.serviceAccount = w.sa.dir
	}
	return m
}

// argv runs argv under unshare with the mounts made, or as it is when there
// are none. saMountPath's parent does not exist on the machine, so a tmpfs
// over /run (where /var/run points) holds it. The hosts file is bound, not
// copied: ClusterDNS rewrites it in place, and every container sees the new
// records at its next lookup, as it would ask the cluster DNS again.
func (m mounts) argv(argv []string) []string {
	if m == (mounts{}) {
		return argv
	}
	const script = `set -e
if [ -n "$0" ]; then
  mount -t tmpfs -o mode=755 tmpfs /run
  mkdir -p ` + saMountPath + `
  mount --bind "$0" ` + saMountPath + `
fi
if [ -n "$1" ]; then mount --bind "$1" /etc/hosts; fi
shift
exec "$@"`
	return append([]string{"unshare", "--mount", "--propagation", "private", "--", "/bin/sh", "-c", script,
		m.serviceAccount, m.hosts}, argv...)
}
