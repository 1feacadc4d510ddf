{{/*
Environment injected into Ray containers, as JSON lists of EnvVar. The pod
helper appends only the names the user has not set, so user env always wins.
*/}}

{{/* Env for every Ray container. Argument: dict root, group, command. */}}
{{- define "ray-cluster.commonEnv" -}}
{{- $env := list
  (dict "name" "RAY_CLUSTER_NAME" "value" (include "ray-cluster.name" .root))
  (dict "name" "RAY_CLUSTER_NAMESPACE" "valueFrom" (dict "fieldRef" (dict "fieldPath" "metadata.namespace")))
  (dict "name" "RAY_CLOUD_INSTANCE_ID" "valueFrom" (dict "fieldRef" (dict "fieldPath" "metadata.name")))
  (dict "name" "RAY_NODE_TYPE_NAME" "value" .group)
  (dict "name" "RAY_DASHBOARD_ENABLE_K8S_DISK_USAGE" "value" "1")
  (dict "name" "KUBERAY_GEN_RAY_START_CMD" "value" .command) -}}
{{- toJson $env -}}
{{- end -}}

{{/* Env for the head's Ray container. Argument: dict root, command. */}}
{{- define "ray-cluster.headEnv" -}}
{{- $root := .root -}}
{{- $env := list -}}
{{- if include "ray-cluster.ftEnabled" $root -}}
{{- $ft := $root.Values.gcsFaultToleranceOptions -}}
{{- if $ft -}}
{{- $env = append $env (dict "name" "RAY_REDIS_ADDRESS" "value" $ft.redisAddress) -}}
{{- if $ft.redisUsername }}{{ $env = append $env (merge (dict "name" "REDIS_USERNAME") (deepCopy $ft.redisUsername)) }}{{ end -}}
{{- if $ft.redisPassword }}{{ $env = append $env (merge (dict "name" "REDIS_PASSWORD") (deepCopy $ft.redisPassword)) }}{{ end -}}
{{- else if include "ray-cluster.legacyPasswordToEnv" $root -}}
{{- /* Legacy path: a literal password leaves the command line for the env. */ -}}
{{- $pw := include "ray-cluster.unwrapQuotes" (index $root.Values.headGroupSpec.rayStartParams "redis-password") -}}
{{- $env = append $env (dict "name" "REDIS_PASSWORD" "value" $pw) -}}
{{- end -}}
{{- $env = append $env (dict "name" "RAY_external_storage_namespace" "value" (include "ray-cluster.storageNamespace" $root)) -}}
{{- $ca := include "ray-cluster.redisCA" $root -}}
{{- with and $ca (fromJson $ca) -}}
{{- /* Ray reads its Redis TLS settings from RAY_REDIS_CA_CERT and RAY_REDIS_SERVER_NAME. */ -}}
{{- $env = append $env (dict "name" "RAY_REDIS_CA_CERT" "value" (printf "%s/ca.crt" (include "ray-cluster.redisCADir" $root))) -}}
{{- if .serverName }}{{ $env = append $env (dict "name" "RAY_REDIS_SERVER_NAME" "value" .serverName) }}{{ end -}}
{{- end -}}
{{- end -}}
{{- $port := include "ray-cluster.gcsPort" $root -}}
{{- $env = append $env (dict "name" "RAY_PORT" "value" $port) -}}
{{- $env = append $env (dict "name" "RAY_ADDRESS" "value" (printf "127.0.0.1:%s" $port)) -}}
{{- $env = concat $env (include "ray-cluster.commonEnv" (dict "root" $root "group" "headgroup" "command" .command) | fromJsonArray) -}}
{{- toJson $env -}}
{{- end -}}

{{/* Env for a worker's Ray container. Argument: dict root, group, address, command. */}}
{{- define "ray-cluster.workerEnv" -}}
{{- $root := .root -}}
{{- $env := list -}}
{{- if include "ray-cluster.ftEnabled" $root -}}
{{- /*
Ray's default is 60 s: a raylet whose GCS is gone longer exits. A head
replacement takes longer than that, so workers wait 600 s and survive it.
*/ -}}
{{- $env = append $env (dict "name" "RAY_gcs_rpc_server_reconnect_timeout_s" "value" "600") -}}
{{- end -}}
{{- $fqdn := include "ray-cluster.headFQDN" $root -}}
{{- $env = append $env (dict "name" "FQ_RAY_IP" "value" $fqdn) -}}
{{- $env = append $env (dict "name" "RAY_IP" "value" (include "ray-cluster.headServiceName" $root)) -}}
{{- $env = append $env (dict "name" "RAY_PORT" "value" (include "ray-cluster.gcsPort" $root)) -}}
{{- $env = append $env (dict "name" "RAY_ADDRESS" "value" .address) -}}
{{- $env = concat $env (include "ray-cluster.commonEnv" (dict "root" $root "group" .group "command" .command) | fromJsonArray) -}}
{{- toJson $env -}}
{{- end -}}
