{{/*
Environment injected into Ray containers, as JSON lists of EnvVar, with
KubeRay v1.5's names and meaning. Each entry says whether it is "forced":
KubeRay appends those whatever the user set, and the later of two entries
with one name is the one a container sees, so KubeRay's value wins. The pod
helper replaces a user's entry of a forced name and keeps the user's entry of
any other name.
*/}}

{{/* A fieldRef EnvVar. Argument: list name, fieldPath. */}}
{{- define "ray-cluster.fieldRefEnv" -}}
{{- toJson (dict "name" (index . 0) "valueFrom" (dict "fieldRef" (dict "fieldPath" (index . 1)))) -}}
{{- end -}}

{{/* Env for every Ray container. Argument: dict root, command, ip, port. */}}
{{- define "ray-cluster.commonEnv" -}}
{{- $env := list
  (dict "forced" true "env" (include "ray-cluster.fieldRefEnv" (list "RAY_CLUSTER_NAME" "metadata.labels['ray.io/cluster']") | fromJson))
  (dict "forced" true "env" (include "ray-cluster.fieldRefEnv" (list "RAY_CLOUD_INSTANCE_ID" "metadata.name") | fromJson))
  (dict "forced" true "env" (include "ray-cluster.fieldRefEnv" (list "RAY_NODE_TYPE_NAME" "metadata.labels['ray.io/group']") | fromJson))
  (dict "forced" true "env" (dict "name" "KUBERAY_GEN_RAY_START_CMD" "value" .command))
  (dict "env" (dict "name" "RAY_PORT" "value" .port))
  (dict "env" (dict "name" "RAY_ADDRESS" "value" (printf "%s:%s" .ip .port)))
  (dict "env" (dict "name" "RAY_DASHBOARD_ENABLE_K8S_DISK_USAGE" "value" "1")) -}}
{{- toJson $env -}}
{{- end -}}

{{/* Env for the head's Ray container. Argument: dict root, command. */}}
{{- define "ray-cluster.headEnv" -}}
{{- $root := .root -}}
{{- $env := list -}}
{{- if include "ray-cluster.ftEnabled" $root -}}
{{- $env = append $env (dict "env" (dict "name" "RAY_external_storage_namespace" "value" (include "ray-cluster.storageNamespace" $root))) -}}
{{- $ft := $root.Values.gcsFaultToleranceOptions -}}
{{- if $ft -}}
{{- $env = append $env (dict "forced" true "env" (dict "name" "RAY_REDIS_ADDRESS" "value" $ft.redisAddress)) -}}
{{- if $ft.redisUsername }}{{ $env = append $env (dict "forced" true "env" (merge (dict "name" "REDIS_USERNAME") (deepCopy $ft.redisUsername))) }}{{ end -}}
{{- if $ft.redisPassword }}{{ $env = append $env (dict "forced" true "env" (merge (dict "name" "REDIS_PASSWORD") (deepCopy $ft.redisPassword))) }}{{ end -}}
{{- else if include "ray-cluster.legacyPasswordToEnv" $root -}}
{{- /* Legacy path: a literal password leaves the command line for the env. */ -}}
{{- $pw := include "ray-cluster.unwrapQuotes" (index $root.Values.headGroupSpec.rayStartParams "redis-password") -}}
{{- $env = append $env (dict "env" (dict "name" "REDIS_PASSWORD" "value" $pw)) -}}
{{- end -}}
{{- $ca := include "ray-cluster.redisCA" $root -}}
{{- with and $ca (fromJson $ca) -}}
{{- /* Ray reads its Redis TLS settings from RAY_REDIS_CA_CERT and RAY_REDIS_SERVER_NAME. */ -}}
{{- $env = append $env (dict "env" (dict "name" "RAY_REDIS_CA_CERT" "value" (printf "%s/ca.crt" (include "ray-cluster.redisCADir" $root)))) -}}
{{- if .serverName }}{{ $env = append $env (dict "env" (dict "name" "RAY_REDIS_SERVER_NAME" "value" .serverName)) }}{{ end -}}
{{- end -}}
{{- end -}}
{{- $env = concat $env (include "ray-cluster.commonEnv" (dict "root" $root "command" .command "ip" "127.0.0.1" "port" (include "ray-cluster.gcsPort" $root)) | fromJsonArray) -}}
{{- /* Ray's GCS and autoscaler switch to v2 together; the operator refuses this variable set by hand next to the version. */ -}}
{{- if include "ray-cluster.autoscalerV2" $root }}{{ $env = append $env (dict "env" (dict "name" "RAY_enable_autoscaler_v2" "value" "true")) }}{{ end -}}
{{- toJson $env -}}
{{- end -}}

{{/* Env for a worker's Ray container. Argument: dict root, command. */}}
{{- define "ray-cluster.workerEnv" -}}
{{- $root := .root -}}
{{- $env := list -}}
{{- if include "ray-cluster.ftEnabled" $root -}}
{{- /*
Ray's default is 60 s: a raylet whose GCS is gone longer exits. A head
replacement takes longer than that, so workers wait 600 s and survive it.
*/ -}}
{{- $env = append $env (dict "env" (dict "name" "RAY_gcs_rpc_server_reconnect_timeout_s" "value" "600")) -}}
{{- end -}}
{{- $env = concat $env (include "ray-cluster.headAddressEnv" $root | fromJsonArray) -}}
{{- $env = concat $env (include "ray-cluster.commonEnv" (dict "root" $root "command" .command "ip" (include "ray-cluster.headFQDN" $root) "port" (include "ray-cluster.gcsPort" $root)) | fromJsonArray) -}}
{{- toJson $env -}}
{{- end -}}

{{/*
FQ_RAY_IP and RAY_IP (the head Service's FQDN and name), forced: KubeRay sets
them on workers' Ray containers and on every init container, where TLS
set-ups build certificates and the wait-gcs-ready check finds the head.
*/}}
{{- define "ray-cluster.headAddressEnv" -}}
{{- toJson (list
  (dict "forced" true "env" (dict "name" "FQ_RAY_IP" "value" (include "ray-cluster.headFQDN" .)))
  (dict "forced" true "env" (dict "name" "RAY_IP" "value" (include "ray-cluster.headServiceName" .)))) -}}
{{- end -}}

{{/*
A container's env with the injected entries: a forced entry replaces the
user's entry of that name, any other is added only when the user has none.
Argument: dict env (the user's list), add (list of {forced, env}).
*/}}
{{- define "ray-cluster.mergeEnv" -}}
{{- $forced := list -}}
{{- range .add }}{{ if .forced }}{{ $forced = append $forced .env.name }}{{ end }}{{ end -}}
{{- $out := list -}}
{{- $names := list -}}
{{- range (.env | default list) -}}
{{- if not (has .name $forced) }}{{ $out = append $out . }}{{ $names = append $names .name }}{{ end -}}
{{- end -}}
{{- range .add -}}
{{- if not (has .env.name $names) }}{{ $out = append $out .env }}{{ $names = append $names .env.name }}{{ end -}}
{{- end -}}
{{- toJson $out -}}
{{- end -}}
