/*
Copyright 2026 The ray-ha-operator Authors.
*/

package raycluster

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
	rayredis "github.com/ray-ha-operator/ray-ha-operator/internal/redis"
)

// ftCluster is validCluster with literal credentials, so that resolving it
// needs no API read.
func ftCluster(mut ...func(*rayv1.RayCluster)) *rayv1.RayCluster {
	rc := validCluster()
	rc.UID = "3f1c2a9e-uid"
	rc.Spec.GcsFaultToleranceOptions.RedisPassword = &rayv1.RedisCredential{Value: "s3cret"}
	for _, m := range mut {
		m(rc)
	}
	return rc
}

// legacyFT turns FT on with the annotation and head env instead.
func legacyFT(env ...corev1.EnvVar) func(*rayv1.RayCluster) {
	return func(rc *rayv1.RayCluster) {
		rc.Spec.GcsFaultToleranceOptions = nil
		rc.Annotations = map[string]string{rayv1.AnnotationFTEnabled: "true"}
		rc.Spec.HeadGroupSpec.Template.Spec.Containers[0].Env = env
	}
}

func annotate(kv ...string) func(*rayv1.RayCluster) {
	return func(rc *rayv1.RayCluster) {
		if rc.Annotations == nil {
			rc.Annotations = map[string]string{}
		}
		for i := 0; i+1 < len(kv); i += 2 {
			rc.Annotations[kv[i]] = kv[i+1]
		}
	}
}

func literalEnv(name, value string) corev1.EnvVar { return corev1.EnvVar{Name: name, Value: value} }

func TestResolveRedisConfigLiterals(t *testing.T) {
	cases := map[string]struct {
		rc   *rayv1.RayCluster
		want RedisConfig
	}{
		"options: address, password, UID as namespace": {
			rc:   ftCluster(),
			want: RedisConfig{Address: "redis:6379", Password: "s3cret", StorageNamespace: "3f1c2a9e-uid"},
		},
		"options: user and explicit namespace": {
			rc: ftCluster(func(rc *rayv1.RayCluster) {
				rc.Spec.GcsFaultToleranceOptions.RedisUsername = &rayv1.RedisCredential{Value: "ray"}
				rc.Spec.GcsFaultToleranceOptions.ExternalStorageNamespace = "team-a"
			}),
			want: RedisConfig{Address: "redis:6379", Username: "ray", Password: "s3cret", StorageNamespace: "team-a"},
		},
		"options: a literal namespace on the head container wins, as in the chart": {
			rc: ftCluster(func(rc *rayv1.RayCluster) {
				rc.Spec.GcsFaultToleranceOptions.ExternalStorageNamespace = "team-a"
				rc.Spec.HeadGroupSpec.Template.Spec.Containers[0].Env = []corev1.EnvVar{literalEnv(rayv1.EnvExternalStorageNamespace, "from-env")}
			}),
			want: RedisConfig{Address: "redis:6379", Password: "s3cret", StorageNamespace: "from-env"},
		},
		"legacy: env address and password, UID namespace": {
			rc:   ftCluster(legacyFT(literalEnv(rayv1.EnvRedisAddress, "redis://r:6380"), literalEnv(rayv1.EnvRedisPassword, "pw"))),
			want: RedisConfig{Address: "redis://r:6380", Password: "pw", StorageNamespace: "3f1c2a9e-uid"},
		},
		"legacy: literal redis-password parameter, quotes as written for KubeRay": {
			rc: ftCluster(legacyFT(literalEnv(rayv1.EnvRedisAddress, "r:6379")), func(rc *rayv1.RayCluster) {
				rc.Spec.HeadGroupSpec.RayStartParams[rayv1.RayStartParamRedisPassword] = `"p\$w"`
			}),
			want: RedisConfig{Address: "r:6379", Password: "p$w", StorageNamespace: "3f1c2a9e-uid"},
		},
		"legacy: $REDIS_PASSWORD parameter takes the variable": {
			rc: ftCluster(legacyFT(literalEnv(rayv1.EnvRedisAddress, "r:6379"), literalEnv(rayv1.EnvRedisPassword, "pw")), func(rc *rayv1.RayCluster) {
				rc.Spec.HeadGroupSpec.RayStartParams[rayv1.RayStartParamRedisPassword] = "$REDIS_PASSWORD"
			}),
			want: RedisConfig{Address: "r:6379", Password: "pw", StorageNamespace: "3f1c2a9e-uid"},
		},
		"legacy: the namespace annotation": {
			rc: ftCluster(legacyFT(literalEnv(rayv1.EnvRedisAddress, "r:6379")),
				annotate(rayv1.AnnotationExternalStorageNamespace, "legacy-ns")),
			want: RedisConfig{Address: "r:6379", StorageNamespace: "legacy-ns"},
		},
		"TLS: server name and skip-verify from annotations": {
			rc: ftCluster(func(rc *rayv1.RayCluster) { rc.Spec.GcsFaultToleranceOptions.RedisAddress = "rediss://r:6380" },
				annotate(AnnotationRedisTLSServerName, "redis.example", AnnotationRedisTLSInsecureSkipVerify, "true")),
			want: RedisConfig{Address: "rediss://r:6380", Password: "s3cret", StorageNamespace: "3f1c2a9e-uid",
				TLS: &rayredis.TLSConfig{ServerName: "redis.example", InsecureSkipVerify: true}},
		},
		"TLS: rediss without annotations uses the system roots": {
			rc: ftCluster(func(rc *rayv1.RayCluster) { rc.Spec.GcsFaultToleranceOptions.RedisAddress = "rediss://r:6380" }),
			want: RedisConfig{Address: "rediss://r:6380", Password: "s3cret", StorageNamespace: "3f1c2a9e-uid",
				TLS: &rayredis.TLSConfig{}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			// No reader: literal settings must not need the API.
			got, err := ResolveRedisConfig(context.Background(), nil, tc.rc)
			if err != nil {
				t.Fatalf("ResolveRedisConfig: %v", err)
			}
			if !sameConfig(*got, tc.want) {
				t.Errorf("got %+v (user %q, password %q, tls %+v), want %+v (user %q, password %q, tls %+v)",
					*got, got.Username, got.Password, got.TLS, tc.want, tc.want.Username, tc.want.Password, tc.want.TLS)
			}
			if strings.Contains(fmt.Sprintf("%v %+v %#v", got, got, got), got.Password) && got.Password != "" {
				t.Errorf("printing the config shows the password")
			}
		})
	}
}

func sameConfig(a, b RedisConfig) bool {
	if a.Address != b.Address || a.Username != b.Username || a.Password != b.Password || a.StorageNamespace != b.StorageNamespace {
		return false
	}
	if (a.TLS == nil) != (b.TLS == nil) {
		return false
	}
	return a.TLS == nil || (string(a.TLS.CAPEM) == string(b.TLS.CAPEM) && a.TLS.ServerName == b.TLS.ServerName &&
		a.TLS.InsecureSkipVerify == b.TLS.InsecureSkipVerify)
}

func TestResolveRedisConfigErrors(t *testing.T) {
	cases := map[string]struct {
		rc    *rayv1.RayCluster
		field string
	}{
		"FT off": {
			rc:    ftCluster(func(rc *rayv1.RayCluster) { rc.Spec.GcsFaultToleranceOptions = nil }),
			field: "spec.gcsFaultToleranceOptions",
		},
		"password given twice": {
			rc: ftCluster(func(rc *rayv1.RayCluster) {
				rc.Spec.GcsFaultToleranceOptions.RedisPassword.ValueFrom = &corev1.EnvVarSource{
					SecretKeyRef: &corev1.SecretKeySelector{Key: "k"}}
			}),
			field: "spec.gcsFaultToleranceOptions.redisPassword",
		},
		"user from a field reference": {
			rc: ftCluster(func(rc *rayv1.RayCluster) {
				rc.Spec.GcsFaultToleranceOptions.RedisUsername = &rayv1.RedisCredential{ValueFrom: &corev1.EnvVarSource{
					FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"}}}
			}),
			field: "spec.gcsFaultToleranceOptions.redisUsername.valueFrom",
		},
		"legacy without RAY_REDIS_ADDRESS": {
			rc:    ftCluster(legacyFT()),
			field: "spec.headGroupSpec.template.spec.containers[0].env",
		},
		"legacy address from a field reference": {
			rc: ftCluster(legacyFT(corev1.EnvVar{Name: rayv1.EnvRedisAddress, ValueFrom: &corev1.EnvVarSource{
				FieldRef: &corev1.ObjectFieldSelector{FieldPath: "status.podIP"}}})),
			field: "spec.headGroupSpec.template.spec.containers[0].env[0].valueFrom",
		},
		"malformed address": {
			rc:    ftCluster(func(rc *rayv1.RayCluster) { rc.Spec.GcsFaultToleranceOptions.RedisAddress = "http://r:1" }),
			field: "spec.gcsFaultToleranceOptions.redisAddress",
		},
		"CA from a Secret and a ConfigMap": {
			rc:    ftCluster(annotate(AnnotationRedisCASecret, "a", AnnotationRedisCAConfigMap, "b")),
			field: "metadata.annotations[ray-ha.io/redis-ca-secret]",
		},
		"skip-verify not a boolean": {
			rc:    ftCluster(annotate(AnnotationRedisTLSInsecureSkipVerify, "yes please")),
			field: "metadata.annotations[ray-ha.io/redis-tls-insecure-skip-verify]",
		},
		"TLS annotations on a plain address": {
			rc:    ftCluster(annotate(AnnotationRedisTLSServerName, "redis.example")),
			field: "metadata.annotations",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := ResolveRedisConfig(context.Background(), nil, tc.rc)
			var cfgErr *RedisConfigError
			if !errors.As(err, &cfgErr) {
				t.Fatalf("got %v, want a *RedisConfigError", err)
			}
			if cfgErr.Field != tc.field {
				t.Errorf("field %q, want %q (error: %v)", cfgErr.Field, tc.field, err)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("error shows the password: %v", err)
			}
		})
	}
}

func TestDeletionTimeout(t *testing.T) {
	cases := map[string]struct {
		value  *string
		want   int
		errors bool
	}{
		"absent":        {want: 300},
		"seconds":       {value: ptr.To("120"), want: 120},
		"spaces":        {value: ptr.To(" 7 "), want: 7},
		"zero":          {value: ptr.To("0"), want: 300, errors: true},
		"negative":      {value: ptr.To("-5"), want: 300, errors: true},
		"duration":      {value: ptr.To("5m"), want: 300, errors: true},
		"empty":         {value: ptr.To(""), want: 300, errors: true},
		"beyond 1 year": {value: ptr.To("99999999999"), want: 300, errors: true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			a := map[string]string{}
			if tc.value != nil {
				a[rayv1.AnnotationGCSFTDeletionTimeout] = *tc.value
			}
			got, err := DeletionTimeout(a, secs(300))
			if got != secs(tc.want) {
				t.Errorf("got %s, want %ds", got, tc.want)
			}
			if (err != nil) != tc.errors {
				t.Fatalf("error %v, want error %v", err, tc.errors)
			}
			if err != nil && !strings.Contains(err.Error(), rayv1.AnnotationGCSFTDeletionTimeout) {
				t.Errorf("error does not name the annotation: %v", err)
			}
		})
	}
}

func TestUnwrapShellQuotes(t *testing.T) {
	cases := map[string]struct{ in, want string }{
		"bare":            {in: "pw", want: "pw"},
		"double":          {in: `"pw"`, want: "pw"},
		"double escapes":  {in: `"a\"b\\c\$d"`, want: `a"b\c$d`},
		"single":          {in: `'p w'`, want: "p w"},
		"single inside":   {in: `'a'b'`, want: `'a'b'`},
		"one char":        {in: `"`, want: `"`},
		"mismatched ends": {in: `"pw'`, want: `"pw'`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := unwrapShellQuotes(tc.in); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestSecretNamesOf(t *testing.T) {
	rc := validCluster()
	rc.Spec.GcsFaultToleranceOptions.RedisUsername = &rayv1.RedisCredential{ValueFrom: &corev1.EnvVarSource{
		SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "user"}, Key: "u"}}}
	rc.Annotations = map[string]string{AnnotationRedisCASecret: "ca"}
	got := fmt.Sprint(SecretNamesOf(rc))
	if got != "[user redis ca]" {
		t.Errorf("got %s, want [user redis ca]", got)
	}
	if got := SecretNamesOf(ftCluster(func(rc *rayv1.RayCluster) { rc.Spec.GcsFaultToleranceOptions = nil })); got != nil {
		t.Errorf("FT off: got %v, want none", got)
	}
}
