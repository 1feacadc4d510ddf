package v1_test

import (
	"context"
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
)

// testAutoscaler: enableInTreeAutoscaling, every autoscalerOptions field
// of KubeRay v1.5 and per-group idleTimeoutSeconds are accepted and read
// back typed; the version and upscaling mode keep KubeRay's enums.
func testAutoscaler(t *testing.T, c client.Client) {
	tests := map[string]struct {
		options map[string]any
		wantErr string
	}{
		"every option": {options: map[string]any{
			"version": "v2", "upscalingMode": "Conservative", "idleTimeoutSeconds": int64(30),
			"image": "example.com/autoscaler:dev", "imagePullPolicy": "Always",
			"resources":       map[string]any{"limits": map[string]any{"cpu": "1"}},
			"env":             []any{map[string]any{"name": "A", "value": "b"}},
			"envFrom":         []any{map[string]any{"configMapRef": map[string]any{"name": "cm"}}},
			"volumeMounts":    []any{map[string]any{"name": "tls", "mountPath": "/etc/tls"}},
			"securityContext": map[string]any{"runAsUser": int64(1000)},
		}},
		"no options":          {},
		"version v3":          {options: map[string]any{"version": "v3"}, wantErr: `Unsupported value: "v3"`},
		"upscalingMode Burst": {options: map[string]any{"upscalingMode": "Burst"}, wantErr: `Unsupported value: "Burst"`},
	}
	i := 0
	for name, tc := range tests {
		i++
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			obj := minimal("autoscaler-" + string(rune('a'+i)))
			spec(obj)["enableInTreeAutoscaling"] = true
			if tc.options != nil {
				spec(obj)["autoscalerOptions"] = tc.options
			}
			worker(obj, 0)["idleTimeoutSeconds"] = int64(90)
			err := create(ctx, c, obj)
			if tc.wantErr != "" {
				wantInvalid(t, err, tc.wantErr)
				return
			}
			if err != nil {
				t.Fatalf("autoscaling cluster refused: %v", err)
			}
			var rc rayv1.RayCluster
			if err := c.Get(ctx, client.ObjectKey{Namespace: "default", Name: nestedString(obj, "metadata", "name")}, &rc); err != nil {
				t.Fatal(err)
			}
			if !rc.Spec.AutoscalingEnabled() || ptr.Deref(rc.Spec.WorkerGroupSpecs[0].IdleTimeoutSeconds, 0) != 90 {
				t.Errorf("read back enableInTreeAutoscaling %v, idleTimeoutSeconds %v", rc.Spec.EnableInTreeAutoscaling, rc.Spec.WorkerGroupSpecs[0].IdleTimeoutSeconds)
			}
			if tc.options == nil {
				return
			}
			o := rc.Spec.AutoscalerOptions
			got := []any{rc.Spec.AutoscalerV2(), ptr.Deref(o.UpscalingMode, ""), ptr.Deref(o.IdleTimeoutSeconds, 0), ptr.Deref(o.Image, ""),
				ptr.Deref(o.ImagePullPolicy, ""), o.Resources.Limits.Cpu().String(), len(o.Env), len(o.EnvFrom), len(o.VolumeMounts),
				ptr.Deref(o.SecurityContext.RunAsUser, 0)}
			want := []any{true, rayv1.UpscalingMode("Conservative"), int32(30), "example.com/autoscaler:dev",
				corev1.PullAlways, "1", 1, 1, 1, int64(1000)}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("autoscalerOptions read back as %v, want %v", got, want)
			}
		})
	}
}
