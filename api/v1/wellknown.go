package v1

// Annotations on a RayCluster that this operator reads. Their names and
// meaning are KubeRay's.
const (
	// AnnotationFTEnabled is the legacy switch for GCS fault tolerance:
	// "true" (any case) with RAY_REDIS_ADDRESS on the head container.
	// New clusters should use spec.gcsFaultToleranceOptions instead.
	AnnotationFTEnabled = "ray.io/ft-enabled"

	// AnnotationExternalStorageNamespace is the legacy way to set the Redis
	// storage namespace (spec.gcsFaultToleranceOptions.externalStorageNamespace
	// replaces it).
	AnnotationExternalStorageNamespace = "ray.io/external-storage-namespace"

	// AnnotationGCSFTDeletionTimeout bounds the Redis clean-up on delete,
	// in whole seconds counted from the deletion timestamp.
	AnnotationGCSFTDeletionTimeout = "ray.io/gcs-ft-deletion-timeout"

	// AnnotationOverwriteContainerCmd, "true" (any case), keeps every Ray
	// container's command and args as written instead of running ray start
	// after them; the generated command is in KUBERAY_GEN_RAY_START_CMD.
	AnnotationOverwriteContainerCmd = "ray.io/overwrite-container-cmd"
)

// Environment variables and ray start parameters of the Ray container that
// carry the GCS fault-tolerance settings (KubeRay's contract).
const (
	// EnvRedisAddress is the GCS Redis address read by the head.
	EnvRedisAddress = "RAY_REDIS_ADDRESS"
	// EnvRedisPassword holds the Redis password, passed as --redis-password.
	EnvRedisPassword = "REDIS_PASSWORD"
	// EnvRedisUsername holds the Redis user, passed as --redis-username.
	EnvRedisUsername = "REDIS_USERNAME"
	// EnvExternalStorageNamespace is the Redis storage namespace of the GCS.
	EnvExternalStorageNamespace = "RAY_external_storage_namespace"

	// RayStartParamRedisPassword is the ray start parameter for the password.
	RayStartParamRedisPassword = "redis-password"
	// RayStartParamRedisUsername is the ray start parameter for the user.
	RayStartParamRedisUsername = "redis-username"
)
