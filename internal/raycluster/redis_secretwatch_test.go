/*
Copyright 2026 The ray-ha-operator Authors.
*/

package raycluster

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/event"
)

func TestSecretChanged(t *testing.T) {
	secret := func(rv string, labels map[string]string) *metav1.PartialObjectMetadata {
		return &metav1.PartialObjectMetadata{ObjectMeta: metav1.ObjectMeta{Name: "s", ResourceVersion: rv, Labels: labels}}
	}
	release := map[string]string{"owner": "helm", "name": "rc", "status": "deployed", "version": "1"}
	tests := map[string]struct {
		create   bool
		old, new *metav1.PartialObjectMetadata
		want     bool
	}{
		"user Secret created":                    {create: true, new: secret("1", nil), want: true},
		"user Secret changed":                    {old: secret("1", nil), new: secret("2", nil), want: true},
		"user Secret resynced":                   {old: secret("1", nil), new: secret("1", nil), want: false},
		"Helm release Secret created":            {create: true, new: secret("1", release), want: false},
		"Helm release Secret changed":            {old: secret("1", release), new: secret("2", release), want: false},
		"owner=helm alone is not Helm's storage": {create: true, new: secret("1", map[string]string{"owner": "helm"}), want: true},
		"Secret deployed by a Helm chart": {
			create: true, new: secret("1", map[string]string{"app.kubernetes.io/managed-by": "Helm"}), want: true,
		},
	}
	p := secretChanged()
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var got bool
			if tc.create {
				got = p.Create(event.CreateEvent{Object: tc.new})
			} else {
				got = p.Update(event.UpdateEvent{ObjectOld: tc.old, ObjectNew: tc.new})
			}
			if got != tc.want {
				t.Errorf("passes = %v, want %v", got, tc.want)
			}
		})
	}
	if p.Delete(event.DeleteEvent{Object: secret("1", nil)}) {
		t.Error("a deleted Secret passes; the next check notices it")
	}
}
