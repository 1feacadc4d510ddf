package simcluster

import (
	"fmt"
	"os"
	"path/filepath"
)

// The API server's audit log, for measurements that need every client's
// requests told apart by user and user agent (the bench compares two
// operators' traffic and kube-controller-manager's).

// AuditLogPath is where the API server writes its audit log when the
// cluster runs with Options.AuditPolicy; empty otherwise.
func (c *Cluster) AuditLogPath() string {
	if c.opts.AuditPolicy == "" {
		return ""
	}
	return filepath.Join(c.dir, "logs", "kube-apiserver-audit.log")
}

// auditArgs are the API server's audit flags: the policy written into the
// work folder and a JSON log that is never rotated (a rotated log would
// lose the start of a measurement).
func (c *Cluster) auditArgs() ([]string, error) {
	if c.opts.AuditPolicy == "" {
		return nil, nil
	}
	policy := filepath.Join(c.dir, "audit-policy.yaml")
	if err := os.WriteFile(policy, []byte(c.opts.AuditPolicy), 0o600); err != nil {
		return nil, fmt.Errorf("writing the audit policy: %w", err)
	}
	return []string{
		"--audit-policy-file=" + policy,
		"--audit-log-path=" + c.AuditLogPath(),
		"--audit-log-format=json",
		"--audit-log-maxsize=100000",
		"--audit-log-maxbackup=0",
	}, nil
}

// ComponentPID is the process id of the running component of that name
// (kube-apiserver, kube-controller-manager, kube-scheduler, etcd), for
// measurements of its CPU time and memory; 0 when there is none.
func (c *Cluster) ComponentPID(name string) int {
	p := c.component(name)
	if p == nil || p.exited() {
		return 0
	}
	return p.pid()
}

// Component names for ComponentPID.
const (
	ComponentAPIServer         = "kube-apiserver"
	ComponentControllerManager = "kube-controller-manager"
	// ControllerManagerUser is the user kube-controller-manager's requests
	// are made (and audited) as.
	ControllerManagerUser = userControllerManager
)
