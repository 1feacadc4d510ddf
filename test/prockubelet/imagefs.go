package prockubelet

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// prepareForUsers lays the pod's folder out as an image's filesystem is
// for a container that runs as a user its securityContext sets: the
// folder standing for HOME belongs to the image's user (Config.ImageUser)
// with mode 0755, as /home/ray of the stock Ray image does, so another UID
// cannot write it; the one standing for /tmp is 1777, as /tmp is, so every
// user can create its files there (Ray's session dir, /tmp/ray). The
// folder itself must be reachable by any user.
func (w *podWorker) prepareForUsers() error {
	if why := canRunAs(); why != "" {
		return fmt.Errorf("pod %s: %s", w.pod.Name, why)
	}
	if err := os.Chown(w.home(), w.k.cfg.ImageUser.UID, w.k.cfg.ImageUser.GID); err != nil {
		return fmt.Errorf("giving the pod's HOME to the image's user: %w", err)
	}
	if err := os.Chmod(w.home(), 0o755); err != nil {
		return fmt.Errorf("setting the mode of the pod's HOME: %w", err)
	}
	if err := os.Chmod(w.tmp(), 0o777|os.ModeSticky); err != nil {
		return fmt.Errorf("setting the mode of the pod's temp folder: %w", err)
	}
	if a, err := blockedAncestor(w.home()); err != nil || a != "" {
		return fmt.Errorf("the pod's folder %s is not reachable by other users (blocked at %q, err %v): make the node's Dir and its parents 0755", w.dir, a, err)
	}
	if w.sa != nil {
		// The projected volume's files are readable by the container's user.
		modes := map[string]os.FileMode{"": 0o755, "token": 0o644, "ca.crt": 0o644, "namespace": 0o644}
		for f, mode := range modes {
			if err := os.Chmod(filepath.Join(w.sa.dir, f), mode); err != nil {
				return fmt.Errorf("opening the ServiceAccount files to the container's user: %w", err)
			}
		}
	}
	return nil
}

// blockedAncestor is the first folder on the way to path (symlinks
// resolved), path included, that users other than its owner cannot enter,
// "" when there is none.
func blockedAncestor(path string) (string, error) {
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return "", fmt.Errorf("resolving %s: %w", path, err)
	}
	dir := "/"
	for _, part := range append(strings.Split(strings.TrimPrefix(real, "/"), "/"), "") {
		fi, err := os.Stat(dir)
		if err != nil {
			return "", fmt.Errorf("reading %s: %w", dir, err)
		}
		if fi.IsDir() && fi.Mode().Perm()&0o001 == 0 {
			return dir, nil
		}
		dir = filepath.Join(dir, part)
	}
	return "", nil
}

// containerArgv wraps argv so it runs as a container would: its mounts
// (with withSA, the ServiceAccount projected at its in-cluster path; the
// cluster DNS's hosts file at /etc/hosts); with an identity,
// the image's paths visible (Config.ImagePaths), in the container's
// working directory (HOME's folder unless it sets workingDir, as the Ray
// image's WORKDIR is its HOME), as id.
func (w *podWorker) containerArgv(id *identity, c corev1.Container, argv []string, withSA bool) ([]string, error) {
	m := w.mounts()
	if !withSA {
		m.serviceAccount = ""
	}
	if id == nil {
		return m.argv(argv), nil
	}
	script := []string{"set -e", "mount -t tmpfs -o mode=755 tmpfs /run"}
	if m.serviceAccount != "" {
		script = append(script, "mkdir -p "+saMountPath, "mount --bind "+shQuote(m.serviceAccount)+" "+saMountPath)
	}
	if m.hosts != "" {
		script = append(script, "mount --bind "+shQuote(m.hosts)+" /etc/hosts")
	}
	img, err := imagePathMounts(w.k.cfg.ImagePaths)
	if err != nil {
		return nil, err
	}
	wd := c.WorkingDir
	if wd == "" {
		wd = w.home()
	}
	script = append(append(script, img...), "cd "+shQuote(wd), `exec "$@"`)
	return append([]string{"unshare", "--mount", "--propagation", "private", "--", "/bin/sh", "-c",
		strings.Join(script, "\n"), "container"}, id.setprivArgv(argv)...), nil
}

// imagePathMounts are shell lines that make each path visible to any user
// in the container's mount namespace, as files of an image are: a path
// under a folder only its owner may enter (a Python under /root, 0700) is
// bound aside, a tmpfs of mode 0755 covers that folder, and the path is
// bound back in it. Nothing else of the covered folder stays visible.
func imagePathMounts(paths []string) ([]string, error) {
	var stage, cover, bind []string
	covered := map[string]bool{}
	for i, p := range paths {
		real, err := filepath.EvalSymlinks(p)
		if err != nil {
			return nil, fmt.Errorf("image path %s: %w", p, err)
		}
		a, err := blockedAncestor(real)
		if err != nil {
			return nil, fmt.Errorf("image path %s: %w", p, err)
		}
		if a == "" {
			continue
		}
		if a == real {
			return nil, fmt.Errorf("image path %s: other users cannot enter it, and a mount cannot change that", p)
		}
		aside := fmt.Sprintf("/run/image/%d", i)
		stage = append(stage, "mkdir -p "+aside, "mount --bind "+shQuote(real)+" "+aside)
		if !covered[a] {
			covered[a] = true
			cover = append(cover, "mount -t tmpfs -o mode=755 tmpfs "+shQuote(a))
		}
		bind = append(bind, "mkdir -p "+shQuote(real), "mount --bind "+aside+" "+shQuote(real))
	}
	return append(append(stage, cover...), bind...), nil
}

// shQuote is s as one single-quoted shell word.
func shQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
