package simcluster

// Group is one process the cluster started; it leads its own process group.
type Group struct {
	Name string
	PGID int
}

// ProcessGroups lists every process the cluster ever started (killed kwok
// processes included), for tests that prove nothing is left behind.
func ProcessGroups(c *Cluster) []Group {
	c.mu.Lock()
	defer c.mu.Unlock()
	groups := make([]Group, 0, len(c.procs))
	for _, p := range c.procs {
		groups = append(groups, Group{Name: p.name, PGID: p.pid()})
	}
	return groups
}

// CrashComponent SIGKILLs the latest process of a component, as a crash
// would (the cluster is not told), and returns its pid.
func CrashComponent(c *Cluster, name string) int {
	p := c.component(name)
	pid := p.pid()
	p.kill()
	return pid
}

// ComponentPID is the pid of the latest process of a component, 0 when it
// is not running.
func ComponentPID(c *Cluster, name string) int {
	p := c.component(name)
	if p == nil || p.exited() {
		return 0
	}
	return p.pid()
}
