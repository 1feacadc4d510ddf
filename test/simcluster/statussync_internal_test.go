package simcluster

import (
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestLeaseRenewedSince(t *testing.T) {
	started := time.Now().Add(-time.Minute)
	renewed := func(ago time.Duration) *coordinationv1.Lease {
		at := metav1.NewMicroTime(time.Now().Add(-ago))
		return &coordinationv1.Lease{Spec: coordinationv1.LeaseSpec{RenewTime: &at}}
	}
	tests := []struct {
		name  string
		lease *coordinationv1.Lease
		want  bool
	}{
		{"renewed a moment ago by the running kwok", renewed(time.Second), true},
		{"renewed longer ago than one lease duration: the node is lost", renewed(10 * time.Second), false},
		{"last renewed before this kwok started: a killed kwok's lease", renewed(2 * time.Minute), false},
		{"never renewed", &coordinationv1.Lease{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := leaseRenewedSince(tt.lease, started, 4*time.Second); got != tt.want {
				t.Errorf("leaseRenewedSince = %t, want %t", got, tt.want)
			}
		})
	}
}
