{{/*
Names, labels and the small derived facts every template needs. Helpers that
compute structured data return JSON, read back with fromJson, because
`include` can only return a string.
*/}}

{{/* The RayCluster name: cluster.name, else the release name. Object names derive from it. */}}
{{- define "ray-cluster.name" -}}
{{- $c := .Values.cluster | default dict -}}
{{- $n := $c.name | default .Release.Name -}}
{{- /* 47: "<name>-head" plus the StatefulSet's "-<10 char hash>" revision label must fit 63. */ -}}
{{- if gt (len $n) 47 -}}
{{- fail (printf "cluster.name: %q is longer than 47 characters (set cluster.name, or use a shorter release name)" $n) -}}
{{- end -}}
{{- if not (regexMatch "^[a-z]([-a-z0-9]*[a-z0-9])?$" $n) -}}
{{- fail (printf "cluster.name: %q is not a DNS-1035 label (lower case letters, digits, '-', starting with a letter)" $n) -}}
{{- end -}}
{{- $n -}}
{{- end -}}

{{/* The head Service name: headGroupSpec.headService.metadata.name, else <name>-head-svc. */}}
{{- define "ray-cluster.headServiceName" -}}
{{- $hs := .Values.headGroupSpec.headService | default dict -}}
{{- $meta := $hs.metadata | default dict -}}
{{- $meta.name | default (printf "%s-head-svc" (include "ray-cluster.name" .)) -}}
{{- end -}}

{{/*
A worker group's pods per replica: numOfHosts, counted as 1 below 1 (as
KubeRay creates pods for an object from before the field existed).
Argument: the worker group.
*/}}
{{- define "ray-cluster.hostsPerReplica" -}}
{{- max 1 (int64 (.numOfHosts | default 1)) -}}
{{- end -}}

{{- define "ray-cluster.domain" -}}
{{- $c := .Values.cluster | default dict -}}
{{- $c.domain | default "cluster.local" -}}
{{- end -}}

{{/* The head Service's FQDN: workers reach the GCS under this name, whichever pod is the head. */}}
{{- define "ray-cluster.headFQDN" -}}
{{- printf "%s.%s.svc.%s" (include "ray-cluster.headServiceName" .) .Release.Namespace (include "ray-cluster.domain" .) -}}
{{- end -}}

{{/* The GCS port: the head's rayStartParams.port, else 6379 (as ray start). */}}
{{- define "ray-cluster.gcsPort" -}}
{{- $p := .Values.headGroupSpec.rayStartParams | default dict -}}
{{- $p.port | default "6379" -}}
{{- end -}}

{{- define "ray-cluster.clusterAnnotations" -}}
{{- $c := .Values.cluster | default dict -}}
{{- toJson ($c.annotations | default dict) -}}
{{- end -}}

{{/* "true" when GCS fault tolerance is on: gcsFaultToleranceOptions, or the legacy annotation. */}}
{{- define "ray-cluster.ftEnabled" -}}
{{- $a := include "ray-cluster.clusterAnnotations" . | fromJson -}}
{{- if or .Values.gcsFaultToleranceOptions (eq (lower (index $a "ray.io/ft-enabled" | default "")) "true") -}}
true
{{- end -}}
{{- end -}}

{{/*
The Redis key prefix of this cluster. Precedence as KubeRay: the option, then
the legacy annotation, then the RayCluster UID. A chart-only install has no
UID, so it falls back to "<namespace>-<name>", stable across upgrades.
*/}}
{{- define "ray-cluster.storageNamespace" -}}
{{- $a := include "ray-cluster.clusterAnnotations" . | fromJson -}}
{{- $ft := .Values.gcsFaultToleranceOptions | default dict -}}
{{- $c := .Values.cluster | default dict -}}
{{- $ns := $ft.externalStorageNamespace | default (index $a "ray.io/external-storage-namespace") | default $c.uid | default (printf "%s-%s" .Release.Namespace (include "ray-cluster.name" .)) -}}
{{- if contains "@" $ns -}}
{{- fail (printf "gcsFaultToleranceOptions.externalStorageNamespace: %q must not contain '@' (Ray's key separator)" $ns) -}}
{{- end -}}
{{- $ns -}}
{{- end -}}

{{/* Labels on every rendered object. Argument: dict root, component. */}}
{{- define "ray-cluster.objectLabels" -}}
{{- $root := .root -}}
helm.sh/chart: {{ printf "%s-%s" $root.Chart.Name $root.Chart.Version | replace "+" "_" | trunc 63 | quote }}
app.kubernetes.io/name: ray-cluster
app.kubernetes.io/instance: {{ $root.Release.Name | quote }}
app.kubernetes.io/component: {{ .component }}
app.kubernetes.io/part-of: ray
app.kubernetes.io/managed-by: {{ $root.Release.Service | quote }}
ray.io/cluster: {{ include "ray-cluster.name" $root | quote }}
{{- end -}}

{{/*
Labels on Ray pods, as JSON, as KubeRay v1.5 labels them. Argument: dict
root, nodeType, group, user (the template's labels merged with the group's
`labels`, which win). The user's labels win over the chart's, except
ray.io/cluster, ray.io/node-type and ray.io/group: the Service, the
workload selectors and the operator match on them.
*/}}
{{- define "ray-cluster.podLabels" -}}
{{- $root := .root -}}
{{- $name := include "ray-cluster.name" $root -}}
{{- $fixed := dict "ray.io/cluster" $name "ray.io/node-type" .nodeType "ray.io/group" .group -}}
{{- $chart := dict
  "ray.io/identifier" (printf "%s-%s" $name .nodeType)
  "ray.io/is-ray-node" "yes"
  "app.kubernetes.io/name" "ray-cluster"
  "app.kubernetes.io/instance" $root.Release.Name
  "app.kubernetes.io/component" .nodeType
  "app.kubernetes.io/part-of" "ray"
  "app.kubernetes.io/managed-by" $root.Release.Service -}}
{{- toJson (merge $fixed (deepCopy (.user | default dict)) $chart) -}}
{{- end -}}

{{/*
The storage namespace the head really uses: a literal RAY_external_storage_namespace
the user set on the head container wins, as it does in the env.
*/}}
{{- define "ray-cluster.headStorageNamespace" -}}
{{- $c := index .Values.headGroupSpec.template.spec.containers 0 -}}
{{- $ns := include "ray-cluster.storageNamespace" . -}}
{{- range ($c.env | default list) -}}
{{- if and (eq .name "RAY_external_storage_namespace") (hasKey . "value") }}{{ $ns = toString .value }}{{ end -}}
{{- end -}}
{{- $ns -}}
{{- end -}}

{{/*
Ports for a head container that declares none, as JSON. Numbers follow the
rayStartParams that move them, so the Service always points at real ports.
*/}}
{{- define "ray-cluster.headDefaultPorts" -}}
{{- $p := .Values.headGroupSpec.rayStartParams | default dict -}}
{{- toJson (list
  (dict "name" "gcs-server" "containerPort" (int (include "ray-cluster.gcsPort" .)) "protocol" "TCP")
  (dict "name" "dashboard" "containerPort" (int (index $p "dashboard-port" | default "8265")) "protocol" "TCP")
  (dict "name" "client" "containerPort" (int (index $p "ray-client-server-port" | default "10001")) "protocol" "TCP")
  (dict "name" "metrics" "containerPort" (int (index $p "metrics-export-port" | default "8080")) "protocol" "TCP")
  (dict "name" "serve" "containerPort" 8000 "protocol" "TCP")) -}}
{{- end -}}

{{/*
The CA that Ray's own Redis client must trust for a rediss:// address, as
JSON {kind, name, key, serverName}, or "" when none is given. The annotations
are the operator's (ray-ha.io/redis-ca-secret or ray-ha.io/redis-ca-configmap,
ray-ha.io/redis-ca-key, ray-ha.io/redis-tls-server-name); the operator uses
the same CA for its own checks, so Ray and the operator agree on what to trust.
*/}}
{{- define "ray-cluster.redisCA" -}}
{{- if include "ray-cluster.ftEnabled" . -}}
{{- $a := include "ray-cluster.clusterAnnotations" . | fromJson -}}
{{- $secret := index $a "ray-ha.io/redis-ca-secret" | default "" -}}
{{- $cm := index $a "ray-ha.io/redis-ca-configmap" | default "" -}}
{{- if or $secret $cm -}}
{{- toJson (dict
  "kind" (ternary "secret" "configMap" (ne $secret ""))
  "name" (ternary $secret $cm (ne $secret ""))
  "key" (index $a "ray-ha.io/redis-ca-key" | default "ca.crt")
  "serverName" (index $a "ray-ha.io/redis-tls-server-name" | default "")) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Where the head mounts that CA. */}}
{{- define "ray-cluster.redisCADir" -}}/etc/ray/redis-tls{{- end -}}

{{/*
The annotation on every Ray pod that names the spec it was made from, and
the hash it holds: the group's spec (head or worker group) without what
only scales the group or shapes its Service, as JSON (keys sorted), SHA-256,
first 16 hex digits. With spec.upgradeStrategy Recreate the operator
replaces a pod whose hash differs from its workload's template. It hashes
the user's spec, not the rendered pod, so an operator upgrade whose chart
renders pods differently changes no hash and restarts nothing.
*/}}
{{- define "ray-cluster.templateHashKey" -}}ray.io/pod-template-hash{{- end -}}

{{/* Argument: dict spec (a group spec), omit (keys left out). */}}
{{- define "ray-cluster.templateHash" -}}
{{- $spec := .spec -}}
{{- range .omit }}{{ $spec = omit $spec . }}{{ end -}}
{{- toJson $spec | sha256sum | trunc 16 -}}
{{- end -}}

{{/* Stamps the hash on a prepared pod template, in place. Argument: dict pod, spec, omit. */}}
{{- define "ray-cluster.stampTemplateHash" -}}
{{- $meta := .pod.metadata -}}
{{- $annotations := $meta.annotations | default dict -}}
{{- $_ := set $annotations (include "ray-cluster.templateHashKey" .) (include "ray-cluster.templateHash" .) -}}
{{- $_ = set $meta "annotations" $annotations -}}
{{- end -}}
