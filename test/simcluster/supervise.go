package simcluster

import (
	"errors"
	"time"
)

// errStopped is returned for a component started while the cluster stops.
var errStopped = errors.New("the simulated cluster is stopping")

// controlPlaneRestartDelay is how long a crashed kube-controller-manager or
// kube-scheduler stays down before it is started again. A kubelet restarts a
// static pod's container after 10 s the first time; the simulation waits
// less so tests do not, and still shows the gap.
const controlPlaneRestartDelay = 2 * time.Second

// superviseControlPlane restarts a component whenever it exits while the
// cluster runs, as the kubelet restarts the static pods of a real control
// plane. kube-scheduler, for one, exits on purpose when it finds its cache
// inconsistent with the API server ("Scheduler cache is corrupted") and
// relies on being restarted with a fresh one. etcd and kube-apiserver are
// not supervised: tests stop and start the API server themselves.
func (c *Cluster) superviseControlPlane(name string, p *process, start func() (*process, error)) {
	go func() {
		for {
			select {
			case <-p.done:
			case <-c.stopping:
				return
			}
			if !c.logUnlessStopping("simcluster: %s exited (%v); starting it again in %s, as a kubelet restarts a static pod",
				name, p.err, controlPlaneRestartDelay) {
				return
			}
			select {
			case <-time.After(controlPlaneRestartDelay):
			case <-c.stopping:
				return
			}
			next, err := start()
			if errors.Is(err, errStopped) {
				return
			}
			if err != nil {
				c.logUnlessStopping("simcluster: restarting %s: %v", name, err)
				return
			}
			c.logUnlessStopping("simcluster: %s started again (pid %d)", name, next.pid())
			p = next
		}
	}()
}

// logUnlessStopping logs unless Stop has begun (a test's log must not be
// written once the test is over) and reports whether it logged.
func (c *Cluster) logUnlessStopping(format string, args ...any) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	select {
	case <-c.stopping:
		return false
	default:
	}
	c.opts.Log(format, args...)
	return true
}
