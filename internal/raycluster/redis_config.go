/*
Copyright 2026 The ray-ha-operator Authors.
*/

package raycluster

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
	rayredis "github.com/ray-ha-operator/ray-ha-operator/internal/redis"
)

// Annotations that say how the operator checks the certificate of a
// rediss:// Redis. Ray's own connection is configured on the head container
// (RAY_REDIS_CA_CERT and friends); these tell the operator's client the same.
const (
	// AnnotationRedisCASecret names a Secret in the cluster's namespace whose
	// key (AnnotationRedisCAKey) holds the PEM CA certificates.
	AnnotationRedisCASecret = AnnotationPrefix + "redis-ca-secret"
	// AnnotationRedisCAConfigMap names a ConfigMap instead of a Secret.
	AnnotationRedisCAConfigMap = AnnotationPrefix + "redis-ca-configmap"
	// AnnotationRedisCAKey is the key in that Secret or ConfigMap; default ca.crt.
	AnnotationRedisCAKey = AnnotationPrefix + "redis-ca-key"
	// AnnotationRedisTLSServerName is the name the server certificate must
	// carry, when it is not the address's host.
	AnnotationRedisTLSServerName = AnnotationPrefix + "redis-tls-server-name"
	// AnnotationRedisTLSInsecureSkipVerify "true" turns certificate checks off.
	AnnotationRedisTLSInsecureSkipVerify = AnnotationPrefix + "redis-tls-insecure-skip-verify"

	// DefaultRedisCAKey is the key read when AnnotationRedisCAKey is not set.
	DefaultRedisCAKey = "ca.crt"
)

// RedisConfig is a cluster's Redis as its head sees it, with every
// reference resolved. It holds credentials: never log or print it whole.
type RedisConfig struct {
	// Address is RAY_REDIS_ADDRESS (may carry credentials in a URL).
	Address  string
	Username string
	Password string
	// StorageNamespace prefixes the cluster's keys in Redis.
	StorageNamespace string
	// TLS is set for a rediss:// address.
	TLS *rayredis.TLSConfig
}

// Options are the client options for the config.
func (c *RedisConfig) Options() rayredis.Options {
	return rayredis.Options{Address: c.Address, Username: c.Username, Password: c.Password, TLS: c.TLS}
}

// String leaves the credentials out, so a config logged by mistake leaks nothing.
func (c RedisConfig) String() string {
	return fmt.Sprintf("redis %s namespace %q", c.Options(), c.StorageNamespace)
}

// GoString keeps %#v as safe as %v.
func (c RedisConfig) GoString() string { return c.String() }

// MissingReferenceError says that a Secret, ConfigMap or key the Redis
// settings refer to does not exist. Creating it fixes the cluster, so it is
// retried; Field names the setting that refers to it.
type MissingReferenceError struct {
	Field     string
	Kind      string // Secret or ConfigMap
	Namespace string
	Name      string
	Key       string
	// KeyMissing is true when the object exists but lacks Key.
	KeyMissing bool
}

func (e *MissingReferenceError) Error() string {
	if e.KeyMissing {
		return fmt.Sprintf("%s: %s %s/%s has no key %q", e.Field, e.Kind, e.Namespace, e.Name, e.Key)
	}
	return fmt.Sprintf("%s: %s %s/%s not found", e.Field, e.Kind, e.Namespace, e.Name)
}

// RedisConfigError says that the Redis settings cannot be used as given;
// only a change of the RayCluster fixes it.
type RedisConfigError struct {
	Field   string
	Message string
}

func (e *RedisConfigError) Error() string { return e.Field + ": " + e.Message }

// IsMissingReference reports whether err is (or wraps) a MissingReferenceError.
func IsMissingReference(err error) bool {
	var m *MissingReferenceError
	return errors.As(err, &m)
}

// valueRef is one setting: a literal, or a key of a Secret or ConfigMap.
type valueRef struct {
	// field is the setting's path, for messages.
	field     string
	literal   string
	secret    *corev1.SecretKeySelector
	configMap *corev1.ConfigMapKeySelector
}

// redisSources are a cluster's Redis settings before anything is read from
// the API: what ResolveRedisConfig will fetch, and from where.
type redisSources struct {
	address, username, password valueRef
	namespace                   valueRef
	ca                          *valueRef
	serverName                  string
	insecureSkipVerify          bool
}

// Field paths of the settings, as messages name them.
var (
	ftPasswordPath = ftOptionsPath.Child("redisPassword").String()
	ftUsernamePath = ftOptionsPath.Child("redisUsername").String()
	ftAddressPath  = ftOptionsPath.Child("redisAddress").String()
)

// ResolveRedisConfig returns the Redis settings of a fault-tolerant cluster
// as the chart gives them to the head, reading the Secrets and ConfigMaps
// they refer to with r. Use a reader that goes to the API server (not an
// informer cache: the operator does not keep every Secret of the cluster in
// memory). Errors are a *MissingReferenceError (retry when it appears), a
// *RedisConfigError (fix the spec), or an API error, all naming the setting.
func ResolveRedisConfig(ctx context.Context, r client.Reader, rc *rayv1.RayCluster) (*RedisConfig, error) {
	src, err := redisSourcesOf(rc)
	if err != nil {
		return nil, err
	}
	return src.resolve(ctx, r, rc.Namespace)
}

// StorageNamespaceOf is the cluster's storage namespace when it needs no API
// read (it does unless the head's RAY_external_storage_namespace comes from
// a Secret or ConfigMap); "" when it cannot be told.
func StorageNamespaceOf(rc *rayv1.RayCluster) string {
	src, err := redisSourcesOf(rc)
	if err != nil || src.namespace.secret != nil || src.namespace.configMap != nil {
		return ""
	}
	return src.namespace.literal
}

// redisSourcesOf finds where each setting comes from, without any API read.
// The rules are the chart's: gcsFaultToleranceOptions, or the legacy
// annotation with the variables on the head's Ray container.
func redisSourcesOf(rc *rayv1.RayCluster) (redisSources, error) {
	if !FaultToleranceEnabled(rc) {
		return redisSources{}, &RedisConfigError{Field: specPath.Child("gcsFaultToleranceOptions").String(),
			Message: "GCS fault tolerance is off"}
	}
	var src redisSources
	var err error
	if opts := rc.Spec.GcsFaultToleranceOptions; opts != nil {
		src, err = optionSources(opts)
	} else {
		src, err = legacySources(rc)
	}
	if err != nil {
		return src, err
	}
	src.namespace = storageNamespaceSource(rc)
	if err := src.tlsFromAnnotations(rc.Annotations); err != nil {
		return src, err
	}
	return src, nil
}

func optionSources(opts *rayv1.GcsFaultToleranceOptions) (redisSources, error) {
	src := redisSources{address: valueRef{field: ftAddressPath, literal: opts.RedisAddress}}
	var err error
	if src.password, err = credentialSource(ftPasswordPath, opts.RedisPassword); err != nil {
		return src, err
	}
	src.username, err = credentialSource(ftUsernamePath, opts.RedisUsername)
	return src, err
}

// credentialSource reads a RedisCredential: a literal or a secretKeyRef (the
// only reference validation lets through).
func credentialSource(field string, c *rayv1.RedisCredential) (valueRef, error) {
	ref := valueRef{field: field}
	switch {
	case c == nil:
	case c.ValueFrom != nil && c.Value != "":
		return ref, &RedisConfigError{Field: field, Message: "value and valueFrom are both set"}
	case c.ValueFrom != nil && c.ValueFrom.SecretKeyRef != nil:
		ref.field += ".valueFrom.secretKeyRef"
		ref.secret = c.ValueFrom.SecretKeyRef
	case c.ValueFrom != nil:
		return ref, &RedisConfigError{Field: field + ".valueFrom", Message: "only secretKeyRef is supported"}
	default:
		ref.literal = c.Value
	}
	return ref, nil
}

// legacySources reads the legacy path: RAY_REDIS_ADDRESS and REDIS_PASSWORD
// on the head's Ray container, or a redis-password ray start parameter. A
// literal parameter is what the chart moves into REDIS_PASSWORD; the
// $REDIS_PASSWORD form refers to the variable.
func legacySources(rc *rayv1.RayCluster) (redisSources, error) {
	head := headRayContainer(&rc.Spec)
	envPath := headRayContainerPath().Child("env")
	i, addr := findEnv(head, rayv1.EnvRedisAddress)
	if addr == nil {
		return redisSources{}, &RedisConfigError{Field: envPath.String(),
			Message: "the ray.io/ft-enabled annotation needs RAY_REDIS_ADDRESS on the head's Ray container"}
	}
	var src redisSources
	var err error
	if src.address, err = envSource(envPath.Index(i).String(), addr); err != nil {
		return src, err
	}
	if j, pw := findEnv(head, rayv1.EnvRedisPassword); pw != nil {
		src.password, err = envSource(envPath.Index(j).String(), pw)
		return src, err
	}
	if p, ok := rc.Spec.HeadGroupSpec.RayStartParams[rayv1.RayStartParamRedisPassword]; ok {
		p = unwrapShellQuotes(p)
		if !refersToEnv(p, rayv1.EnvRedisPassword) {
			src.password = valueRef{field: headPath.Child("rayStartParams").Key(rayv1.RayStartParamRedisPassword).String(), literal: p}
		}
	}
	return src, nil
}

// envSource reads an EnvVar of the head container: a literal, a
// secretKeyRef or a configMapKeyRef (the operator cannot evaluate field or
// resource references, which only the kubelet knows).
func envSource(field string, env *corev1.EnvVar) (valueRef, error) {
	ref := valueRef{field: field}
	switch {
	case env.ValueFrom == nil:
		ref.literal = env.Value
	case env.ValueFrom.SecretKeyRef != nil:
		ref.field += ".valueFrom.secretKeyRef"
		ref.secret = env.ValueFrom.SecretKeyRef
	case env.ValueFrom.ConfigMapKeyRef != nil:
		ref.field += ".valueFrom.configMapKeyRef"
		ref.configMap = env.ValueFrom.ConfigMapKeyRef
	default:
		return ref, &RedisConfigError{Field: field + ".valueFrom",
			Message: "only secretKeyRef and configMapKeyRef can be read by the operator"}
	}
	return ref, nil
}

// storageNamespaceSource follows the chart: a RAY_external_storage_namespace
// the user sets on the head container wins; else the option, the legacy
// annotation, and the RayCluster's UID, in that order.
func storageNamespaceSource(rc *rayv1.RayCluster) valueRef {
	envPath := headRayContainerPath().Child("env")
	if i, env := findEnv(headRayContainer(&rc.Spec), rayv1.EnvExternalStorageNamespace); env != nil {
		if ref, err := envSource(envPath.Index(i).String(), env); err == nil {
			return ref
		}
	}
	if o := rc.Spec.GcsFaultToleranceOptions; o != nil && o.ExternalStorageNamespace != "" {
		return valueRef{field: ftOptionsPath.Child("externalStorageNamespace").String(), literal: o.ExternalStorageNamespace}
	}
	if ns := rc.Annotations[rayv1.AnnotationExternalStorageNamespace]; ns != "" {
		return valueRef{field: annotationPath.Key(rayv1.AnnotationExternalStorageNamespace).String(), literal: ns}
	}
	return valueRef{field: "metadata.uid", literal: string(rc.UID)}
}

// tlsFromAnnotations reads the operator's TLS annotations.
func (s *redisSources) tlsFromAnnotations(a map[string]string) error {
	secret, cm := a[AnnotationRedisCASecret], a[AnnotationRedisCAConfigMap]
	key := a[AnnotationRedisCAKey]
	if key == "" {
		key = DefaultRedisCAKey
	}
	switch {
	case secret != "" && cm != "":
		return &RedisConfigError{Field: annotationPath.Key(AnnotationRedisCASecret).String(),
			Message: "set either this or " + AnnotationRedisCAConfigMap + ", not both"}
	case secret != "":
		s.ca = &valueRef{field: annotationPath.Key(AnnotationRedisCASecret).String(),
			secret: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: secret}, Key: key}}
	case cm != "":
		s.ca = &valueRef{field: annotationPath.Key(AnnotationRedisCAConfigMap).String(),
			configMap: &corev1.ConfigMapKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: cm}, Key: key}}
	}
	s.serverName = a[AnnotationRedisTLSServerName]
	if v, ok := a[AnnotationRedisTLSInsecureSkipVerify]; ok {
		b, err := strconv.ParseBool(strings.TrimSpace(v))
		if err != nil {
			return &RedisConfigError{Field: annotationPath.Key(AnnotationRedisTLSInsecureSkipVerify).String(),
				Message: fmt.Sprintf("%q is not true or false", v)}
		}
		s.insecureSkipVerify = b
	}
	return nil
}

func (s *redisSources) hasTLSSettings() bool {
	return s.ca != nil || s.serverName != "" || s.insecureSkipVerify
}

// resolve reads every referenced value from the API.
func (s *redisSources) resolve(ctx context.Context, r client.Reader, ns string) (*RedisConfig, error) {
	cfg := &RedisConfig{}
	for _, v := range []struct {
		ref *valueRef
		out *string
	}{
		{&s.address, &cfg.Address}, {&s.username, &cfg.Username},
		{&s.password, &cfg.Password}, {&s.namespace, &cfg.StorageNamespace},
	} {
		val, err := v.ref.resolve(ctx, r, ns)
		if err != nil {
			return nil, err
		}
		*v.out = val
	}
	return cfg, s.resolveTLS(ctx, r, ns, cfg)
}

// resolveTLS fills cfg.TLS for a rediss:// address and refuses TLS
// annotations on a plain one, where they would silently do nothing.
func (s *redisSources) resolveTLS(ctx context.Context, r client.Reader, ns string, cfg *RedisConfig) error {
	addr, err := rayredis.ParseAddress(cfg.Address)
	if err != nil {
		return &RedisConfigError{Field: s.address.field, Message: err.Error()}
	}
	if !addr.TLS {
		if s.hasTLSSettings() {
			return &RedisConfigError{Field: annotationPath.String(),
				Message: "Redis TLS annotations are set but the address is not rediss://"}
		}
		return nil
	}
	cfg.TLS = &rayredis.TLSConfig{ServerName: s.serverName, InsecureSkipVerify: s.insecureSkipVerify}
	if s.ca == nil {
		return nil
	}
	pem, err := s.ca.resolve(ctx, r, ns)
	if err != nil {
		return err
	}
	cfg.TLS.CAPEM = []byte(pem)
	return nil
}

// resolve returns the value: the literal, or the key of the Secret or
// ConfigMap in namespace ns. An optional reference that is missing is "".
func (v *valueRef) resolve(ctx context.Context, r client.Reader, ns string) (string, error) {
	switch {
	case v.secret != nil:
		var s corev1.Secret
		data, err := readKey(ctx, r, v.field, "Secret", ns, v.secret.Name, v.secret.Key, &s, func() (string, bool) {
			b, ok := s.Data[v.secret.Key]
			return string(b), ok
		})
		return optionalMissing(data, err, v.secret.Optional)
	case v.configMap != nil:
		var cm corev1.ConfigMap
		data, err := readKey(ctx, r, v.field, "ConfigMap", ns, v.configMap.Name, v.configMap.Key, &cm, func() (string, bool) {
			if s, ok := cm.Data[v.configMap.Key]; ok {
				return s, true
			}
			b, ok := cm.BinaryData[v.configMap.Key]
			return string(b), ok
		})
		return optionalMissing(data, err, v.configMap.Optional)
	}
	return v.literal, nil
}

// The operator reads the Secrets and ConfigMaps that Redis settings name.
// +kubebuilder:rbac:groups="",resources=secrets;configmaps,verbs=get

// readKey gets obj and takes one key of it with get.
func readKey(ctx context.Context, r client.Reader, field, kind, ns, name, key string, obj client.Object, get func() (string, bool)) (string, error) {
	missing := &MissingReferenceError{Field: field, Kind: kind, Namespace: ns, Name: name, Key: key}
	if err := r.Get(ctx, types.NamespacedName{Namespace: ns, Name: name}, obj); err != nil {
		if apierrors.IsNotFound(err) {
			return "", missing
		}
		return "", fmt.Errorf("%s: reading %s %s/%s: %w", field, kind, ns, name, err)
	}
	val, ok := get()
	if !ok {
		missing.KeyMissing = true
		return "", missing
	}
	return val, nil
}

func optionalMissing(val string, err error, optional *bool) (string, error) {
	if err != nil && optional != nil && *optional && IsMissingReference(err) {
		return "", nil
	}
	return val, err
}

// unwrapShellQuotes strips one pair of surrounding quotes, as the chart does
// for ray start parameters written for KubeRay (which pastes them into a
// shell unquoted).
func unwrapShellQuotes(v string) string {
	if len(v) < 2 {
		return v
	}
	inner := v[1 : len(v)-1]
	switch {
	case v[0] == '"' && v[len(v)-1] == '"':
		var b strings.Builder
		for i := 0; i < len(inner); i++ {
			if inner[i] == '\\' && i+1 < len(inner) && strings.IndexByte("\\\"$`", inner[i+1]) >= 0 {
				i++
			}
			b.WriteByte(inner[i])
		}
		return b.String()
	case v[0] == '\'' && v[len(v)-1] == '\'' && !strings.Contains(inner, "'"):
		return inner
	}
	return v
}

// SecretNamesOf lists the Secrets a cluster's Redis settings read, so a
// watch on Secrets can find the clusters to look at again when one of them
// is created or changed.
func SecretNamesOf(rc *rayv1.RayCluster) []string {
	src, err := redisSourcesOf(rc)
	if err != nil {
		return nil
	}
	var names []string
	for _, v := range []*valueRef{&src.address, &src.username, &src.password, &src.namespace, src.ca} {
		if v != nil && v.secret != nil {
			names = append(names, v.secret.Name)
		}
	}
	return names
}
