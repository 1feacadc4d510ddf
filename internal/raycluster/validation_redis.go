/*
Copyright 2026 The ray-ha-operator Authors.
*/

package raycluster

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
	rayredis "github.com/ray-ha-operator/ray-ha-operator/internal/redis"
)

// validateFaultTolerance checks the GCS fault-tolerance settings, whichever
// way they are given: spec.gcsFaultToleranceOptions (the current API) or the
// legacy ray.io/ft-enabled annotation with RAY_REDIS_ADDRESS on the head.
func validateFaultTolerance(rc *rayv1.RayCluster) field.ErrorList {
	errs := validateUsernameSettings(&rc.Spec)
	annotated, legacyOn := ftAnnotation(rc)
	switch {
	case rc.Spec.GcsFaultToleranceOptions != nil:
		if annotated {
			errs = append(errs, field.Forbidden(annotationPath.Key(rayv1.AnnotationFTEnabled),
				"spec.gcsFaultToleranceOptions and the legacy ray.io/ft-enabled annotation are both set; remove the annotation"))
		}
		errs = append(errs, validateFTOptions(rc)...)
	case legacyOn:
		errs = append(errs, validateLegacyFT(rc)...)
	default:
		errs = append(errs, validateFTOff(rc)...)
	}
	if annotated && !legacyOn && !strings.EqualFold(rc.Annotations[rayv1.AnnotationFTEnabled], "false") {
		errs = append(errs, field.Invalid(annotationPath.Key(rayv1.AnnotationFTEnabled),
			rc.Annotations[rayv1.AnnotationFTEnabled], `must be "true" or "false"`))
	}
	return errs
}

// validateUsernameSettings forbids a Redis user given outside the options:
// the chart sets REDIS_USERNAME and --redis-username from
// gcsFaultToleranceOptions.redisUsername, and a second source would be
// ambiguous (KubeRay refuses it too).
func validateUsernameSettings(spec *rayv1.RayClusterSpec) field.ErrorList {
	const use = "set the Redis user with spec.gcsFaultToleranceOptions.redisUsername instead"
	var errs field.ErrorList
	if _, ok := spec.HeadGroupSpec.RayStartParams[rayv1.RayStartParamRedisUsername]; ok {
		errs = append(errs, field.Forbidden(headPath.Child("rayStartParams").Key(rayv1.RayStartParamRedisUsername), use))
	}
	for i := range spec.WorkerGroupSpecs {
		if _, ok := spec.WorkerGroupSpecs[i].RayStartParams[rayv1.RayStartParamRedisUsername]; ok {
			errs = append(errs, field.Forbidden(
				workersPath.Index(i).Child("rayStartParams").Key(rayv1.RayStartParamRedisUsername), use))
		}
	}
	if i, _ := findEnv(headRayContainer(spec), rayv1.EnvRedisUsername); i >= 0 {
		errs = append(errs, field.Forbidden(headRayContainerPath().Child("env").Index(i), use))
	}
	return errs
}

// validateFTOptions checks spec.gcsFaultToleranceOptions and forbids the
// legacy settings that would give the same thing a second time.
func validateFTOptions(rc *rayv1.RayCluster) field.ErrorList {
	opts := rc.Spec.GcsFaultToleranceOptions
	errs := validateOptionsAddress(opts)
	errs = append(errs, validateCredential(ftOptionsPath.Child("redisPassword"), opts.RedisPassword)...)
	errs = append(errs, validateCredential(ftOptionsPath.Child("redisUsername"), opts.RedisUsername)...)
	errs = append(errs, validateStorageNamespace(ftOptionsPath.Child("externalStorageNamespace"), opts.ExternalStorageNamespace)...)
	errs = append(errs, forbidLegacyWithOptions(rc)...)
	return errs
}

func validateOptionsAddress(opts *rayv1.GcsFaultToleranceOptions) field.ErrorList {
	path := ftOptionsPath.Child("redisAddress")
	if strings.TrimSpace(opts.RedisAddress) == "" {
		return field.ErrorList{field.Required(path,
			"GCS fault tolerance needs the Redis address, as host:port, redis://host:port or rediss://host:port")}
	}
	addr, err := rayredis.ParseAddress(opts.RedisAddress)
	if err != nil {
		return field.ErrorList{field.Invalid(path, field.OmitValueType{}, err.Error())}
	}
	if addr.HasCredentials() && (opts.RedisPassword != nil || opts.RedisUsername != nil) {
		return field.ErrorList{field.Invalid(path, field.OmitValueType{},
			"the address carries a user or password and redisPassword/redisUsername is set too; give the credentials only once")}
	}
	return nil
}

// validateCredential checks a RedisCredential. Exactly one of value and
// valueFrom; valueFrom must be a secretKeyRef, because the operator itself
// reads the credential (Redis checks, clean-up on delete) and does so only
// from Secrets.
func validateCredential(path *field.Path, c *rayv1.RedisCredential) field.ErrorList {
	if c == nil {
		return nil
	}
	hasValue, hasFrom := c.Value != "", c.ValueFrom != nil
	switch {
	case hasValue && hasFrom:
		return field.ErrorList{field.Invalid(path, field.OmitValueType{},
			"value and valueFrom are both set; give the credential only once")}
	case !hasValue && !hasFrom:
		return field.ErrorList{field.Required(path, "set value or valueFrom.secretKeyRef")}
	case hasFrom && c.ValueFrom.SecretKeyRef == nil:
		return field.ErrorList{field.Invalid(path.Child("valueFrom"), field.OmitValueType{},
			"only secretKeyRef is supported: the operator reads the credential from the Secret to check and clean up Redis")}
	case hasFrom && (c.ValueFrom.SecretKeyRef.Name == "" || c.ValueFrom.SecretKeyRef.Key == ""):
		return field.ErrorList{field.Required(path.Child("valueFrom", "secretKeyRef"), "name and key are required")}
	}
	return nil
}

func validateStorageNamespace(path *field.Path, ns string) field.ErrorList {
	if strings.Contains(ns, "@") {
		return field.ErrorList{field.Invalid(path, ns,
			"must not contain '@': Ray separates the namespace from its table names with '@' in Redis keys")}
	}
	return nil
}

// forbidLegacyWithOptions refuses the legacy ways of setting what
// gcsFaultToleranceOptions already sets, so nothing is given twice.
func forbidLegacyWithOptions(rc *rayv1.RayCluster) field.ErrorList {
	var errs field.ErrorList
	if _, ok := rc.Spec.HeadGroupSpec.RayStartParams[rayv1.RayStartParamRedisPassword]; ok {
		errs = append(errs, field.Forbidden(headPath.Child("rayStartParams").Key(rayv1.RayStartParamRedisPassword),
			"set the Redis password with spec.gcsFaultToleranceOptions.redisPassword instead"))
	}
	head := headRayContainer(&rc.Spec)
	envPath := headRayContainerPath().Child("env")
	if i, _ := findEnv(head, rayv1.EnvRedisPassword); i >= 0 {
		errs = append(errs, field.Forbidden(envPath.Index(i),
			"set the Redis password with spec.gcsFaultToleranceOptions.redisPassword instead"))
	}
	if i, _ := findEnv(head, rayv1.EnvRedisAddress); i >= 0 {
		errs = append(errs, field.Forbidden(envPath.Index(i),
			"set the Redis address with spec.gcsFaultToleranceOptions.redisAddress instead"))
	}
	if _, ok := rc.Annotations[rayv1.AnnotationExternalStorageNamespace]; ok {
		errs = append(errs, field.Forbidden(annotationPath.Key(rayv1.AnnotationExternalStorageNamespace),
			"set the storage namespace with spec.gcsFaultToleranceOptions.externalStorageNamespace instead"))
	}
	return errs
}

// validateLegacyFT checks the annotation path: RAY_REDIS_ADDRESS on the head
// is required, and the password may come from REDIS_PASSWORD or the
// redis-password parameter, but not as two different literals.
func validateLegacyFT(rc *rayv1.RayCluster) field.ErrorList {
	head := headRayContainer(&rc.Spec)
	envPath := headRayContainerPath().Child("env")
	i, addrEnv := findEnv(head, rayv1.EnvRedisAddress)
	if addrEnv == nil {
		return field.ErrorList{field.Required(envPath,
			"the ray.io/ft-enabled annotation needs RAY_REDIS_ADDRESS on the head's Ray container (or use spec.gcsFaultToleranceOptions)")}
	}
	_, passwordParam := rc.Spec.HeadGroupSpec.RayStartParams[rayv1.RayStartParamRedisPassword]
	passwordEnv, _ := findEnv(head, rayv1.EnvRedisPassword)
	errs := validateLegacyAddress(envPath.Index(i), addrEnv, passwordParam || passwordEnv >= 0)
	errs = append(errs, validateLegacyPassword(rc, head)...)
	if ns, ok := rc.Annotations[rayv1.AnnotationExternalStorageNamespace]; ok {
		errs = append(errs, validateStorageNamespace(annotationPath.Key(rayv1.AnnotationExternalStorageNamespace), ns)...)
	}
	return errs
}

// validateLegacyAddress checks a literal RAY_REDIS_ADDRESS; one read from a
// Secret or ConfigMap cannot be checked here. passwordElsewhere tells whether
// a password is also given by REDIS_PASSWORD or redis-password.
func validateLegacyAddress(path *field.Path, env *corev1.EnvVar, passwordElsewhere bool) field.ErrorList {
	if env.ValueFrom != nil {
		return nil
	}
	if strings.TrimSpace(env.Value) == "" {
		return field.ErrorList{field.Required(path.Child("value"), "RAY_REDIS_ADDRESS is empty")}
	}
	addr, err := rayredis.ParseAddress(env.Value)
	if err != nil {
		return field.ErrorList{field.Invalid(path.Child("value"), field.OmitValueType{}, err.Error())}
	}
	if addr.HasCredentials() && passwordElsewhere {
		return field.ErrorList{field.Invalid(path.Child("value"), field.OmitValueType{},
			"the address carries a user or password and REDIS_PASSWORD or redis-password is set too; give the credentials only once")}
	}
	return nil
}

// validateLegacyPassword refuses a literal redis-password parameter next to
// a REDIS_PASSWORD variable: two sources that may disagree. The usual
// legacy form, redis-password: $REDIS_PASSWORD, refers to the variable and
// is fine.
func validateLegacyPassword(rc *rayv1.RayCluster, head *corev1.Container) field.ErrorList {
	param, ok := rc.Spec.HeadGroupSpec.RayStartParams[rayv1.RayStartParamRedisPassword]
	if !ok || refersToEnv(param, rayv1.EnvRedisPassword) {
		return nil
	}
	if i, _ := findEnv(head, rayv1.EnvRedisPassword); i >= 0 {
		return field.ErrorList{field.Invalid(headPath.Child("rayStartParams").Key(rayv1.RayStartParamRedisPassword),
			field.OmitValueType{},
			"the password is given here and in REDIS_PASSWORD on the head container; keep one (e.g. redis-password: $REDIS_PASSWORD)")}
	}
	return nil
}

// refersToEnv reports whether s is exactly $NAME or ${NAME}.
func refersToEnv(s, name string) bool {
	return s == "$"+name || s == "${"+name+"}"
}

// validateFTOff refuses RAY_REDIS_ADDRESS on the head while fault tolerance
// is off: Ray would use the Redis, but the operator would neither wire the
// workers for it nor clean it up.
func validateFTOff(rc *rayv1.RayCluster) field.ErrorList {
	i, _ := findEnv(headRayContainer(&rc.Spec), rayv1.EnvRedisAddress)
	if i < 0 {
		return nil
	}
	return field.ErrorList{field.Forbidden(headRayContainerPath().Child("env").Index(i),
		"RAY_REDIS_ADDRESS turns on GCS fault tolerance implicitly, but spec.gcsFaultToleranceOptions is not set; set it (or remove the variable)")}
}
