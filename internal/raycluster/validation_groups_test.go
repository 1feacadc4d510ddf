/*
Copyright 2026 The ray-ha-operator Authors.
*/

package raycluster

import (
	"testing"

	"k8s.io/apimachinery/pkg/util/validation/field"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
)

func TestValidateGroups(t *testing.T) {
	tests := map[string]struct {
		cluster func() *rayv1.RayCluster
		want    []wantErr
	}{
		"valid: group resources and labels": {cluster: func() *rayv1.RayCluster {
			rc := validCluster()
			rc.Spec.HeadGroupSpec.RayStartParams = nil
			rc.Spec.HeadGroupSpec.Resources = map[string]string{"cpu": "0", "memory": "4Gi"}
			rc.Spec.WorkerGroupSpecs[0].Resources = map[string]string{"CPU": "1500m", "nvidia.com/gpu": "1", "accel": "0.5"}
			rc.Spec.WorkerGroupSpecs[0].Labels = map[string]string{"ray.io/market-type": "spot", "zone": ""}
			return rc
		}},
		"group resources with resource rayStartParams": {
			cluster: func() *rayv1.RayCluster {
				rc := validCluster()
				rc.Spec.HeadGroupSpec.Resources = map[string]string{"cpu": "1"}
				rc.Spec.WorkerGroupSpecs[1].RayStartParams = map[string]string{"num-gpus": "1", "resources": `{"x": 1}`, "block": "true"}
				rc.Spec.WorkerGroupSpecs[1].Resources = map[string]string{"memory": "1Gi"}
				return rc
			},
			want: []wantErr{
				{field.ErrorTypeForbidden, "spec.headGroupSpec.rayStartParams[num-cpus]", "together with spec.headGroupSpec.resources"},
				{field.ErrorTypeForbidden, "spec.workerGroupSpecs[1].rayStartParams[num-gpus]", "together with spec.workerGroupSpecs[1].resources"},
				{field.ErrorTypeForbidden, "spec.workerGroupSpecs[1].rayStartParams[resources]", "together with spec.workerGroupSpecs[1].resources"},
			},
		},
		"a group resource that is no quantity": {
			cluster: func() *rayv1.RayCluster {
				rc := validCluster()
				rc.Spec.WorkerGroupSpecs[0].Resources = map[string]string{"cpu": "lots"}
				return rc
			},
			want: []wantErr{{field.ErrorTypeInvalid, "spec.workerGroupSpecs[0].resources[cpu]", "Kubernetes quantity"}},
		},
		"labels in rayStartParams": {
			cluster: func() *rayv1.RayCluster {
				rc := validCluster()
				rc.Spec.WorkerGroupSpecs[0].RayStartParams = map[string]string{"labels": "a=b"}
				return rc
			},
			want: []wantErr{{field.ErrorTypeForbidden, "spec.workerGroupSpecs[0].rayStartParams[labels]", "use spec.workerGroupSpecs[0].labels"}},
		},
		"label key and value that Kubernetes refuses": {
			cluster: func() *rayv1.RayCluster {
				rc := validCluster()
				rc.Spec.HeadGroupSpec.Labels = map[string]string{"bad key": "v", "ok": "bad value!"}
				return rc
			},
			want: []wantErr{
				{field.ErrorTypeInvalid, "spec.headGroupSpec.labels", "invalid label key"},
				{field.ErrorTypeInvalid, "spec.headGroupSpec.labels[ok]", "invalid label value"},
			},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			assertErrors(t, Validate(tc.cluster()), tc.want)
		})
	}
}
