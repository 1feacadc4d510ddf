package raycluster

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
)

func TestValidateAutoscaler(t *testing.T) {
	autoscaling := func(version rayv1.AutoscalerVersion) *rayv1.RayCluster {
		rc := validCluster()
		rc.Spec.EnableInTreeAutoscaling = ptr.To(true)
		if version != "" {
			rc.Spec.AutoscalerOptions = &rayv1.AutoscalerOptions{Version: ptr.To(version)}
		}
		return rc
	}
	headEnv := func(rc *rayv1.RayCluster, value string) *rayv1.RayCluster {
		c := &rc.Spec.HeadGroupSpec.Template.Spec.Containers[0]
		c.Env = append(c.Env, corev1.EnvVar{Name: "RAY_enable_autoscaler_v2", Value: value})
		return rc
	}
	envPath := "spec.headGroupSpec.template.spec.containers[0].env[0]"
	tests := map[string]struct {
		cluster func() *rayv1.RayCluster
		want    []wantErr
	}{
		"v1 with idle timeouts": {cluster: func() *rayv1.RayCluster {
			rc := autoscaling(rayv1.AutoscalerVersionV1)
			rc.Spec.WorkerGroupSpecs[0].IdleTimeoutSeconds = ptr.To[int32](30)
			return rc
		}},
		"v2 with idle timeouts": {cluster: func() *rayv1.RayCluster {
			rc := autoscaling(rayv1.AutoscalerVersionV2)
			rc.Spec.AutoscalerOptions.IdleTimeoutSeconds = ptr.To[int32](120)
			rc.Spec.WorkerGroupSpecs[1].IdleTimeoutSeconds = ptr.To[int32](30)
			return rc
		}},
		"no version, v2 by env":            {cluster: func() *rayv1.RayCluster { return headEnv(autoscaling(""), "1") }},
		"v2 off by env without autoscaler": {cluster: func() *rayv1.RayCluster { return headEnv(validCluster(), "0") }},
		"v2 on by env without autoscaler": {
			cluster: func() *rayv1.RayCluster { return headEnv(validCluster(), "true") },
			want:    []wantErr{{field.ErrorTypeForbidden, envPath, "while spec.enableInTreeAutoscaling is not true"}},
		},
		"version and env": {
			cluster: func() *rayv1.RayCluster { return headEnv(autoscaling(rayv1.AutoscalerVersionV1), "0") },
			want:    []wantErr{{field.ErrorTypeForbidden, envPath, "together with spec.autoscalerOptions.version"}},
		},
		"suspended group": {
			cluster: func() *rayv1.RayCluster {
				rc := autoscaling("")
				rc.Spec.WorkerGroupSpecs[1].Suspend = ptr.To(true)
				return rc
			},
			want: []wantErr{{field.ErrorTypeForbidden, "spec.workerGroupSpecs[1].suspend", "the autoscaler owns its size"}},
		},
		"v2 with restartPolicy Always": {
			cluster: func() *rayv1.RayCluster {
				rc := autoscaling(rayv1.AutoscalerVersionV2)
				rc.Spec.HeadGroupSpec.Template.Spec.RestartPolicy = corev1.RestartPolicyAlways
				rc.Spec.WorkerGroupSpecs[0].Template.Spec.RestartPolicy = corev1.RestartPolicyAlways
				return rc
			},
			want: []wantErr{
				{field.ErrorTypeInvalid, "spec.headGroupSpec.template.spec.restartPolicy", "must be unset with autoscaler v2"},
				{field.ErrorTypeInvalid, "spec.workerGroupSpecs[0].template.spec.restartPolicy", "must be unset with autoscaler v2"},
			},
		},
		"v1 with restartPolicy Always": {cluster: func() *rayv1.RayCluster {
			rc := autoscaling(rayv1.AutoscalerVersionV1)
			rc.Spec.HeadGroupSpec.Template.Spec.RestartPolicy = corev1.RestartPolicyAlways
			return rc
		}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			assertErrors(t, Validate(tc.cluster()), tc.want)
		})
	}
}
