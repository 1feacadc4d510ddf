package simcluster

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestAuditArgs(t *testing.T) {
	tests := map[string]struct {
		policy   string
		wantArgs bool
	}{
		"off": {policy: ""},
		"on":  {policy: "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n", wantArgs: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c := &Cluster{opts: Options{AuditPolicy: tc.policy}, dir: t.TempDir()}
			args, err := c.auditArgs()
			if err != nil {
				t.Fatal(err)
			}
			if !tc.wantArgs {
				if args != nil || c.AuditLogPath() != "" {
					t.Fatalf("audit off: args %v, log %q; want none", args, c.AuditLogPath())
				}
				return
			}
			policy := filepath.Join(c.dir, "audit-policy.yaml")
			want := []string{"--audit-policy-file=" + policy, "--audit-log-path=" + filepath.Join(c.dir, "logs", "kube-apiserver-audit.log"), "--audit-log-format=json"}
			for _, w := range want {
				if !slices.Contains(args, w) {
					t.Errorf("args %v lack %q", args, w)
				}
			}
			if b, err := os.ReadFile(policy); err != nil || string(b) != tc.policy {
				t.Errorf("policy file %q (%v), want %q", b, err, tc.policy)
			}
		})
	}
}
