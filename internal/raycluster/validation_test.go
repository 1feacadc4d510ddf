/*
Copyright 2026 The ray-ha-operator Authors.
*/

package raycluster

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
	"github.com/ray-ha-operator/ray-ha-operator/test/testbin"
)

// wantErr is one expected error: its type, its field, and a phrase of its
// detail (empty: any detail).
type wantErr struct {
	typ    field.ErrorType
	field  string
	phrase string
}

// validCluster is a cluster that passes every rule: FT through the options,
// a password from a Secret, two worker groups.
func validCluster() *rayv1.RayCluster {
	return &rayv1.RayCluster{
		ObjectMeta: metav1.ObjectMeta{Name: "demo", Namespace: "default"},
		Spec: rayv1.RayClusterSpec{
			RayVersion: "2.52.0",
			GcsFaultToleranceOptions: &rayv1.GcsFaultToleranceOptions{
				RedisAddress: "redis:6379",
				RedisPassword: &rayv1.RedisCredential{ValueFrom: &corev1.EnvVarSource{
					SecretKeyRef: &corev1.SecretKeySelector{
						LocalObjectReference: corev1.LocalObjectReference{Name: "redis"}, Key: "password",
					},
				}},
			},
			HeadGroupSpec: rayv1.HeadGroupSpec{
				RayStartParams: map[string]string{"num-cpus": "0"},
				Template:       podTemplate("ray-head"),
			},
			WorkerGroupSpecs: []rayv1.WorkerGroupSpec{
				{GroupName: "small", Replicas: ptr.To[int32](1), Template: podTemplate("ray-worker")},
				{GroupName: "large", Replicas: ptr.To[int32](0), Template: podTemplate("ray-worker")},
			},
		},
	}
}

func podTemplate(container string) corev1.PodTemplateSpec {
	return corev1.PodTemplateSpec{Spec: corev1.PodSpec{
		Containers: []corev1.Container{{Name: container, Image: "rayproject/ray:2.52.0"}},
	}}
}

// legacyCluster turns FT on the legacy way: annotation plus RAY_REDIS_ADDRESS.
func legacyCluster() *rayv1.RayCluster {
	rc := validCluster()
	rc.Spec.GcsFaultToleranceOptions = nil
	rc.Annotations = map[string]string{rayv1.AnnotationFTEnabled: "true"}
	setHeadEnv(rc, corev1.EnvVar{Name: rayv1.EnvRedisAddress, Value: "redis:6379"})
	return rc
}

// noFTCluster has fault tolerance off.
func noFTCluster() *rayv1.RayCluster {
	rc := validCluster()
	rc.Spec.GcsFaultToleranceOptions = nil
	return rc
}

func setHeadEnv(rc *rayv1.RayCluster, env ...corev1.EnvVar) {
	c := &rc.Spec.HeadGroupSpec.Template.Spec.Containers[0]
	c.Env = append(c.Env, env...)
}

func secretRef(name, key string) *corev1.EnvVarSource {
	return &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
		LocalObjectReference: corev1.LocalObjectReference{Name: name}, Key: key,
	}}
}

const headEnv = "spec.headGroupSpec.template.spec.containers[0].env"

func TestValidate(t *testing.T) {
	tests := map[string]struct {
		cluster func() *rayv1.RayCluster
		want    []wantErr
	}{
		"valid with FT options": {cluster: validCluster},
		"valid without FT":      {cluster: noFTCluster},
		"valid legacy annotation with password from env": {cluster: func() *rayv1.RayCluster {
			rc := legacyCluster()
			rc.Annotations[rayv1.AnnotationExternalStorageNamespace] = "legacy-ns"
			rc.Spec.HeadGroupSpec.RayStartParams[rayv1.RayStartParamRedisPassword] = "$REDIS_PASSWORD"
			setHeadEnv(rc, corev1.EnvVar{Name: rayv1.EnvRedisPassword, ValueFrom: secretRef("redis", "password")})
			return rc
		}},
		"valid: address list, URL forms and IPv6": {cluster: func() *rayv1.RayCluster {
			rc := validCluster()
			rc.Spec.GcsFaultToleranceOptions.RedisAddress = "rediss://redis-0.redis:6380,redis://[::1]:6379"
			return rc
		}},
		"valid: credentials only in the URL": {cluster: func() *rayv1.RayCluster {
			rc := validCluster()
			rc.Spec.GcsFaultToleranceOptions.RedisAddress = "redis://ray:s3cret@redis:6379"
			rc.Spec.GcsFaultToleranceOptions.RedisPassword = nil
			return rc
		}},
		"valid: empty rayVersion is not checked": {cluster: func() *rayv1.RayCluster {
			rc := validCluster()
			rc.Spec.RayVersion = ""
			return rc
		}},
		"valid: ft-enabled false without Redis": {cluster: func() *rayv1.RayCluster {
			rc := noFTCluster()
			rc.Annotations = map[string]string{rayv1.AnnotationFTEnabled: "False"}
			return rc
		}},

		"FT options and legacy annotation both set": {
			cluster: func() *rayv1.RayCluster {
				rc := validCluster()
				rc.Annotations = map[string]string{rayv1.AnnotationFTEnabled: "true"}
				return rc
			},
			want: []wantErr{{field.ErrorTypeForbidden, "metadata.annotations[ray.io/ft-enabled]", "both set"}},
		},
		"FT on without redisAddress": {
			cluster: func() *rayv1.RayCluster {
				rc := validCluster()
				rc.Spec.GcsFaultToleranceOptions.RedisAddress = " "
				return rc
			},
			want: []wantErr{{field.ErrorTypeRequired, "spec.gcsFaultToleranceOptions.redisAddress", "needs the Redis address"}},
		},
		"redisAddress without port": {
			cluster: func() *rayv1.RayCluster {
				rc := validCluster()
				rc.Spec.GcsFaultToleranceOptions.RedisAddress = "redis"
				return rc
			},
			want: []wantErr{{field.ErrorTypeInvalid, "spec.gcsFaultToleranceOptions.redisAddress", "port"}},
		},
		"redisAddress with a foreign scheme": {
			cluster: func() *rayv1.RayCluster {
				rc := validCluster()
				rc.Spec.GcsFaultToleranceOptions.RedisAddress = "http://redis:6379"
				return rc
			},
			want: []wantErr{{field.ErrorTypeInvalid, "spec.gcsFaultToleranceOptions.redisAddress", "scheme"}},
		},
		"password in the URL and in redisPassword": {
			cluster: func() *rayv1.RayCluster {
				rc := validCluster()
				rc.Spec.GcsFaultToleranceOptions.RedisAddress = "redis://:s3cret@redis:6379"
				return rc
			},
			want: []wantErr{{field.ErrorTypeInvalid, "spec.gcsFaultToleranceOptions.redisAddress", "only once"}},
		},
		"password as value and valueFrom": {
			cluster: func() *rayv1.RayCluster {
				rc := validCluster()
				rc.Spec.GcsFaultToleranceOptions.RedisPassword.Value = "s3cret"
				return rc
			},
			want: []wantErr{{field.ErrorTypeInvalid, "spec.gcsFaultToleranceOptions.redisPassword", "both set"}},
		},
		"empty username credential": {
			cluster: func() *rayv1.RayCluster {
				rc := validCluster()
				rc.Spec.GcsFaultToleranceOptions.RedisUsername = &rayv1.RedisCredential{}
				return rc
			},
			want: []wantErr{{field.ErrorTypeRequired, "spec.gcsFaultToleranceOptions.redisUsername", "value or valueFrom"}},
		},
		"password from a ConfigMap": {
			cluster: func() *rayv1.RayCluster {
				rc := validCluster()
				rc.Spec.GcsFaultToleranceOptions.RedisPassword.ValueFrom = &corev1.EnvVarSource{
					ConfigMapKeyRef: &corev1.ConfigMapKeySelector{Key: "password"},
				}
				return rc
			},
			want: []wantErr{{field.ErrorTypeInvalid, "spec.gcsFaultToleranceOptions.redisPassword.valueFrom", "only secretKeyRef"}},
		},
		"secretKeyRef without a key": {
			cluster: func() *rayv1.RayCluster {
				rc := validCluster()
				rc.Spec.GcsFaultToleranceOptions.RedisPassword.ValueFrom = secretRef("redis", "")
				return rc
			},
			want: []wantErr{{field.ErrorTypeRequired, "spec.gcsFaultToleranceOptions.redisPassword.valueFrom.secretKeyRef", "name and key"}},
		},
		"options plus redis-password rayStartParam": {
			cluster: func() *rayv1.RayCluster {
				rc := validCluster()
				rc.Spec.HeadGroupSpec.RayStartParams[rayv1.RayStartParamRedisPassword] = "$REDIS_PASSWORD"
				return rc
			},
			want: []wantErr{{field.ErrorTypeForbidden, "spec.headGroupSpec.rayStartParams[redis-password]", "redisPassword instead"}},
		},
		"options plus REDIS_PASSWORD and RAY_REDIS_ADDRESS env": {
			cluster: func() *rayv1.RayCluster {
				rc := validCluster()
				setHeadEnv(rc,
					corev1.EnvVar{Name: "OTHER", Value: "x"},
					corev1.EnvVar{Name: rayv1.EnvRedisPassword, Value: "s3cret"},
					corev1.EnvVar{Name: rayv1.EnvRedisAddress, Value: "redis:6379"})
				return rc
			},
			want: []wantErr{
				{field.ErrorTypeForbidden, headEnv + "[1]", "redisPassword instead"},
				{field.ErrorTypeForbidden, headEnv + "[2]", "redisAddress instead"},
			},
		},
		"options plus storage-namespace annotation": {
			cluster: func() *rayv1.RayCluster {
				rc := validCluster()
				rc.Annotations = map[string]string{rayv1.AnnotationExternalStorageNamespace: "ns"}
				return rc
			},
			want: []wantErr{{field.ErrorTypeForbidden, "metadata.annotations[ray.io/external-storage-namespace]", "externalStorageNamespace instead"}},
		},
		"storage namespace with @": {
			cluster: func() *rayv1.RayCluster {
				rc := validCluster()
				rc.Spec.GcsFaultToleranceOptions.ExternalStorageNamespace = "team@a"
				return rc
			},
			want: []wantErr{{field.ErrorTypeInvalid, "spec.gcsFaultToleranceOptions.externalStorageNamespace", "'@'"}},
		},
		"legacy storage namespace annotation with @": {
			cluster: func() *rayv1.RayCluster {
				rc := legacyCluster()
				rc.Annotations[rayv1.AnnotationExternalStorageNamespace] = "a@b"
				return rc
			},
			want: []wantErr{{field.ErrorTypeInvalid, "metadata.annotations[ray.io/external-storage-namespace]", "'@'"}},
		},
		"redis-username rayStartParam, head and worker": {
			cluster: func() *rayv1.RayCluster {
				rc := validCluster()
				rc.Spec.HeadGroupSpec.RayStartParams[rayv1.RayStartParamRedisUsername] = "ray"
				rc.Spec.WorkerGroupSpecs[1].RayStartParams = map[string]string{rayv1.RayStartParamRedisUsername: "ray"}
				return rc
			},
			want: []wantErr{
				{field.ErrorTypeForbidden, "spec.headGroupSpec.rayStartParams[redis-username]", "redisUsername instead"},
				{field.ErrorTypeForbidden, "spec.workerGroupSpecs[1].rayStartParams[redis-username]", "redisUsername instead"},
			},
		},
		"REDIS_USERNAME env is forbidden even without FT": {
			cluster: func() *rayv1.RayCluster {
				rc := noFTCluster()
				setHeadEnv(rc, corev1.EnvVar{Name: rayv1.EnvRedisUsername, Value: "ray"})
				return rc
			},
			want: []wantErr{{field.ErrorTypeForbidden, headEnv + "[0]", "redisUsername instead"}},
		},
		"RAY_REDIS_ADDRESS while FT is off": {
			cluster: func() *rayv1.RayCluster {
				rc := noFTCluster()
				setHeadEnv(rc, corev1.EnvVar{Name: rayv1.EnvRedisAddress, Value: "redis:6379"})
				return rc
			},
			want: []wantErr{{field.ErrorTypeForbidden, headEnv + "[0]", "implicitly"}},
		},
		"legacy annotation without RAY_REDIS_ADDRESS": {
			cluster: func() *rayv1.RayCluster {
				rc := noFTCluster()
				rc.Annotations = map[string]string{rayv1.AnnotationFTEnabled: "TRUE"}
				return rc
			},
			want: []wantErr{{field.ErrorTypeRequired, headEnv, "needs RAY_REDIS_ADDRESS"}},
		},
		"legacy malformed RAY_REDIS_ADDRESS": {
			cluster: func() *rayv1.RayCluster {
				rc := legacyCluster()
				rc.Spec.HeadGroupSpec.Template.Spec.Containers[0].Env[0].Value = "redis:port"
				return rc
			},
			want: []wantErr{{field.ErrorTypeInvalid, headEnv + "[0].value", "port"}},
		},
		"legacy password literal and REDIS_PASSWORD env": {
			cluster: func() *rayv1.RayCluster {
				rc := legacyCluster()
				rc.Spec.HeadGroupSpec.RayStartParams[rayv1.RayStartParamRedisPassword] = "s3cret"
				setHeadEnv(rc, corev1.EnvVar{Name: rayv1.EnvRedisPassword, Value: "other"})
				return rc
			},
			want: []wantErr{{field.ErrorTypeInvalid, "spec.headGroupSpec.rayStartParams[redis-password]", "keep one"}},
		},
		"legacy password in URL and in REDIS_PASSWORD": {
			cluster: func() *rayv1.RayCluster {
				rc := legacyCluster()
				rc.Spec.HeadGroupSpec.Template.Spec.Containers[0].Env[0].Value = "redis://:s3cret@redis:6379"
				setHeadEnv(rc, corev1.EnvVar{Name: rayv1.EnvRedisPassword, ValueFrom: secretRef("r", "p")})
				return rc
			},
			want: []wantErr{{field.ErrorTypeInvalid, headEnv + "[0].value", "only once"}},
		},
		"ft-enabled annotation neither true nor false": {
			cluster: func() *rayv1.RayCluster {
				rc := noFTCluster()
				rc.Annotations = map[string]string{rayv1.AnnotationFTEnabled: "yes"}
				return rc
			},
			want: []wantErr{{field.ErrorTypeInvalid, "metadata.annotations[ray.io/ft-enabled]", `"true" or "false"`}},
		},
		"rayVersion too old for GCS FT": {
			cluster: func() *rayv1.RayCluster {
				rc := validCluster()
				rc.Spec.RayVersion = "1.13.0"
				return rc
			},
			want: []wantErr{{field.ErrorTypeInvalid, "spec.rayVersion", "Ray 2.0.0 or newer"}},
		},
		"old rayVersion is fine without FT": {
			cluster: func() *rayv1.RayCluster {
				rc := noFTCluster()
				rc.Spec.RayVersion = "1.13.0"
				return rc
			},
		},
		"redisUsername needs Ray 2.41": {
			cluster: func() *rayv1.RayCluster {
				rc := validCluster()
				rc.Spec.RayVersion = "2.40.0"
				rc.Spec.GcsFaultToleranceOptions.RedisUsername = &rayv1.RedisCredential{Value: "ray"}
				return rc
			},
			want: []wantErr{{field.ErrorTypeInvalid, "spec.gcsFaultToleranceOptions.redisUsername", "Ray 2.41.0 or newer"}},
		},
		"unparsable rayVersion": {
			cluster: func() *rayv1.RayCluster {
				rc := validCluster()
				rc.Spec.RayVersion = "nightly"
				return rc
			},
			want: []wantErr{{field.ErrorTypeInvalid, "spec.rayVersion", "not a Ray release number"}},
		},
		"cluster name too long": {
			cluster: func() *rayv1.RayCluster {
				rc := noFTCluster()
				rc.Name = strings.Repeat("a", rayv1.MaxNameLength+1)
				rc.Spec.WorkerGroupSpecs = nil
				return rc
			},
			want: []wantErr{{field.ErrorTypeInvalid, "metadata.name", "at most 47 characters"}},
		},
		"cluster name not a DNS-1035 label": {
			cluster: func() *rayv1.RayCluster {
				rc := noFTCluster()
				rc.Name = "1st.cluster"
				return rc
			},
			want: []wantErr{{field.ErrorTypeInvalid, "metadata.name", "head Service"}},
		},
		"head Service name override not a DNS-1035 label": {
			cluster: func() *rayv1.RayCluster {
				rc := noFTCluster()
				rc.Spec.HeadGroupSpec.HeadService = &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "Head_Svc"}}
				return rc
			},
			want: []wantErr{{field.ErrorTypeInvalid, "spec.headGroupSpec.headService.metadata.name", ""}},
		},
		"worker ReplicaSet name too long": {
			cluster: func() *rayv1.RayCluster {
				rc := noFTCluster()
				rc.Name = strings.Repeat("c", 40)
				rc.Spec.WorkerGroupSpecs[0].GroupName = strings.Repeat("g", 16)
				return rc
			},
			want: []wantErr{{field.ErrorTypeInvalid, "spec.workerGroupSpecs[0].groupName", "is 64 characters"}},
		},
		"group name not DNS-1123, duplicate and empty": {
			cluster: func() *rayv1.RayCluster {
				rc := noFTCluster()
				rc.Spec.WorkerGroupSpecs[0].GroupName = "GPU_group"
				rc.Spec.WorkerGroupSpecs = append(rc.Spec.WorkerGroupSpecs,
					rayv1.WorkerGroupSpec{GroupName: "large", Template: podTemplate("w")},
					rayv1.WorkerGroupSpec{Template: podTemplate("w")})
				return rc
			},
			want: []wantErr{
				{field.ErrorTypeInvalid, "spec.workerGroupSpecs[0].groupName", "DNS-1123"},
				{field.ErrorTypeDuplicate, "spec.workerGroupSpecs[2].groupName", ""},
				{field.ErrorTypeRequired, "spec.workerGroupSpecs[3].groupName", "needs a name"},
			},
		},
		"templates without containers": {
			cluster: func() *rayv1.RayCluster {
				rc := noFTCluster()
				rc.Spec.HeadGroupSpec.Template.Spec.Containers = nil
				rc.Spec.WorkerGroupSpecs[1].Template.Spec.Containers = nil
				return rc
			},
			want: []wantErr{
				{field.ErrorTypeRequired, "spec.headGroupSpec.template.spec.containers", "first one runs Ray"},
				{field.ErrorTypeRequired, "spec.workerGroupSpecs[1].template.spec.containers", "first one runs Ray"},
			},
		},
		"restartPolicy other than Always": {
			cluster: func() *rayv1.RayCluster {
				rc := noFTCluster()
				rc.Spec.HeadGroupSpec.Template.Spec.RestartPolicy = corev1.RestartPolicyNever
				rc.Spec.WorkerGroupSpecs[0].Template.Spec.RestartPolicy = corev1.RestartPolicyOnFailure
				rc.Spec.WorkerGroupSpecs[1].Template.Spec.RestartPolicy = corev1.RestartPolicyAlways
				return rc
			},
			want: []wantErr{
				{field.ErrorTypeInvalid, "spec.headGroupSpec.template.spec.restartPolicy", "runs in a StatefulSet"},
				{field.ErrorTypeInvalid, "spec.workerGroupSpecs[0].template.spec.restartPolicy", "runs in a ReplicaSet"},
			},
		},
		"rayStartParams keys that are no flag name": {
			cluster: func() *rayv1.RayCluster {
				rc := noFTCluster()
				rc.Spec.HeadGroupSpec.RayStartParams["--num-cpus"] = "1"
				rc.Spec.HeadGroupSpec.RayStartParams["num_gpus"] = "0"
				rc.Spec.HeadGroupSpec.RayStartParams["dashboard-host"] = "0.0.0.0"
				rc.Spec.WorkerGroupSpecs[1].RayStartParams = map[string]string{"x; rm -rf /": "", "block": "true"}
				return rc
			},
			want: []wantErr{
				{field.ErrorTypeForbidden, "spec.headGroupSpec.rayStartParams[--num-cpus]", "without its leading dashes"},
				{field.ErrorTypeForbidden, "spec.headGroupSpec.rayStartParams[num_gpus]", "lower-case letters, digits and '-'"},
				{field.ErrorTypeForbidden, "spec.workerGroupSpecs[1].rayStartParams[x; rm -rf /]", "ray start flag name"},
			},
		},
		"FT options on a head without containers": {
			cluster: func() *rayv1.RayCluster {
				rc := validCluster()
				rc.Spec.HeadGroupSpec.Template.Spec.Containers = nil
				return rc
			},
			want: []wantErr{{field.ErrorTypeRequired, "spec.headGroupSpec.template.spec.containers", ""}},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := Validate(tc.cluster())
			assertErrors(t, got, tc.want)
		})
	}
}

// assertErrors compares got with want as sets of (type, field), and checks
// each detail phrase.
func assertErrors(t *testing.T, got field.ErrorList, want []wantErr) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d errors, want %d:\n%s", len(got), len(want), got.ToAggregate())
	}
	for _, w := range want {
		i := slices.IndexFunc(got, func(e *field.Error) bool { return e.Type == w.typ && e.Field == w.field })
		if i < 0 {
			t.Errorf("missing %s error on %s; got:\n%s", w.typ, w.field, got.ToAggregate())
			continue
		}
		if !strings.Contains(got[i].Error(), w.phrase) {
			t.Errorf("error on %s = %q, want it to contain %q", w.field, got[i].Error(), w.phrase)
		}
	}
}

// TestValidateNeverPrintsCredentials makes sure that no message repeats a
// password, whether it sits in a URL, a literal value or a parameter.
func TestValidateNeverPrintsCredentials(t *testing.T) {
	const secret = "Sup3rS3cret"
	tests := map[string]func() *rayv1.RayCluster{
		"URL password with redisPassword": func() *rayv1.RayCluster {
			rc := validCluster()
			rc.Spec.GcsFaultToleranceOptions.RedisAddress = "redis://ray:" + secret + "@redis:6379"
			return rc
		},
		"malformed URL holding a password": func() *rayv1.RayCluster {
			rc := validCluster()
			rc.Spec.GcsFaultToleranceOptions.RedisAddress = "redis://ray:" + secret + "@redis"
			return rc
		},
		"password as value and valueFrom": func() *rayv1.RayCluster {
			rc := validCluster()
			rc.Spec.GcsFaultToleranceOptions.RedisPassword.Value = secret
			return rc
		},
		"legacy literal password twice": func() *rayv1.RayCluster {
			rc := legacyCluster()
			rc.Spec.HeadGroupSpec.RayStartParams[rayv1.RayStartParamRedisPassword] = secret
			setHeadEnv(rc, corev1.EnvVar{Name: rayv1.EnvRedisPassword, Value: secret})
			return rc
		},
		"legacy URL password malformed": func() *rayv1.RayCluster {
			rc := legacyCluster()
			rc.Spec.HeadGroupSpec.Template.Spec.Containers[0].Env[0].Value = "redis://:" + secret + "@"
			return rc
		},
	}
	for name, cluster := range tests {
		t.Run(name, func(t *testing.T) {
			errs := Validate(cluster())
			if len(errs) == 0 {
				t.Fatal("expected at least one error")
			}
			if msg := errs.ToAggregate().Error(); strings.Contains(msg, secret) {
				t.Errorf("error message leaks the password: %s", msg)
			}
		})
	}
}

func TestParseRayVersion(t *testing.T) {
	tests := map[string]struct {
		in      string
		want    string
		wantErr bool
	}{
		"release":        {in: "2.41.0", want: "2.41.0"},
		"two components": {in: "2.9", want: "2.9"},
		"leading v":      {in: "v2.46.1", want: "2.46.1"},
		"release cand.":  {in: "2.42.0rc1", want: "2.42.0"},
		"dev release":    {in: "2.40.0.dev0", want: "2.40.0"},
		"nightly":        {in: "nightly", wantErr: true},
		"latest":         {in: "latest", wantErr: true},
		"one component":  {in: "2", wantErr: true},
		"trailing text":  {in: "2.41.0 final", wantErr: true},
		"image tag":      {in: "2.41.0-py311", wantErr: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			v, err := ParseRayVersion(tc.in)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("ParseRayVersion(%q) = %v, want an error", tc.in, v)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseRayVersion(%q): %v", tc.in, err)
			}
			if got := v.String(); got != tc.want {
				t.Errorf("ParseRayVersion(%q) = %s, want %s", tc.in, got, tc.want)
			}
		})
	}
}

func TestFaultToleranceEnabled(t *testing.T) {
	tests := map[string]struct {
		cluster func() *rayv1.RayCluster
		want    bool
	}{
		"options":           {cluster: validCluster, want: true},
		"legacy annotation": {cluster: legacyCluster, want: true},
		"off":               {cluster: noFTCluster, want: false},
		"annotation false": {
			cluster: func() *rayv1.RayCluster {
				rc := noFTCluster()
				rc.Annotations = map[string]string{rayv1.AnnotationFTEnabled: "false"}
				return rc
			},
			want: false,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := FaultToleranceEnabled(tc.cluster()); got != tc.want {
				t.Errorf("FaultToleranceEnabled = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestSamplesAreValid runs Validate on every sample in config/samples: the
// samples are what users copy, so they must pass the operator's own checks.
func TestSamplesAreValid(t *testing.T) {
	root, err := testbin.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(root, "config", "samples", "ray_v1_raycluster_*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no samples found: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var rc rayv1.RayCluster
			if err := yaml.UnmarshalStrict(b, &rc); err != nil {
				t.Fatalf("decoding: %v", err)
			}
			if errs := Validate(&rc); len(errs) > 0 {
				t.Errorf("sample is invalid: %v", errs.ToAggregate())
			}
		})
	}
}
