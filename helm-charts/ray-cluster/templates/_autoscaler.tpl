{{/*
Ray's autoscaler, as KubeRay v1.5 runs it: a sidecar of the head pod
(`ray kuberay-autoscaler`) that reads the RayCluster and its pods and
patches the worker groups' replicas. The head's ray start gets --no-monitor
(Ray's own monitor does not know Kubernetes), both containers share the
ray-logs volume at /tmp/ray (the head reads the autoscaler's event log
there), and the pod runs as a ServiceAccount bound to the Role of
autoscaler-rbac.yaml.
*/}}

{{/* "true" when spec.enableInTreeAutoscaling is true. */}}
{{- define "ray-cluster.autoscaling" -}}
{{- if .Values.enableInTreeAutoscaling }}true{{ end -}}
{{- end -}}

{{/* "true" when the autoscaler is v2 (autoscalerOptions.version v2). */}}
{{- define "ray-cluster.autoscalerV2" -}}
{{- $o := .Values.autoscalerOptions | default dict -}}
{{- if and (include "ray-cluster.autoscaling" .) (eq (toString ($o.version | default "")) "v2") }}true{{ end -}}
{{- end -}}

{{/*
A name clipped as KubeRay clips the autoscaler's ServiceAccount, Role and
RoleBinding names: at most 50 characters (the leading ones go), and a first
character that is a digit, '-' or '.' becomes 'r'.
*/}}
{{- define "ray-cluster.clipName" -}}
{{- $s := toString . -}}
{{- if gt (len $s) 50 }}{{ $s = substr (int (sub (len $s) 50)) (len $s) $s }}{{ end -}}
{{- if regexMatch "^[0-9.-]" $s }}{{ $s = printf "r%s" (substr 1 (len $s) $s) }}{{ end -}}
{{- $s -}}
{{- end -}}

{{/* The head's ServiceAccount: the one its template names, else one named after the cluster (rendered then). */}}
{{- define "ray-cluster.autoscalerServiceAccountName" -}}
{{- $spec := .Values.headGroupSpec.template.spec | default dict -}}
{{- include "ray-cluster.clipName" ($spec.serviceAccountName | default (include "ray-cluster.name" .)) -}}
{{- end -}}

{{/*
The autoscaler container, as JSON. Argument: dict root, image (the Ray
container's). autoscalerOptions replace the image, pull policy, resources
and security context; env, envFrom and volume mounts are added after the
chart's own.
*/}}
{{- define "ray-cluster.autoscalerContainer" -}}
{{- $o := .root.Values.autoscalerOptions | default dict -}}
{{- $fieldEnv := dict
  "RAY_CLUSTER_NAME" "metadata.labels['ray.io/cluster']"
  "RAY_CLUSTER_NAMESPACE" "metadata.namespace"
  "RAY_HEAD_POD_NAME" "metadata.name" -}}
{{- $env := list -}}
{{- range list "RAY_CLUSTER_NAME" "RAY_CLUSTER_NAMESPACE" "RAY_HEAD_POD_NAME" -}}
{{- $env = append $env (dict "name" . "valueFrom" (dict "fieldRef" (dict "fieldPath" (index $fieldEnv .)))) -}}
{{- end -}}
{{- $env = append $env (dict "name" "KUBERAY_CRD_VER" "value" "v1") -}}
{{- $size := dict "cpu" "500m" "memory" "512Mi" -}}
{{- $c := dict
  "name" "autoscaler"
  "image" ($o.image | default .image)
  "imagePullPolicy" ($o.imagePullPolicy | default "IfNotPresent")
  "command" (list "/bin/bash" "-c" "--")
  "args" (list "ray kuberay-autoscaler --cluster-name $(RAY_CLUSTER_NAME) --cluster-namespace $(RAY_CLUSTER_NAMESPACE)")
  "env" (concat $env ($o.env | default list))
  "resources" (ternary $o.resources (dict "limits" $size "requests" (deepCopy $size)) (hasKey $o "resources")) -}}
{{- with $o.envFrom }}{{ $_ := set $c "envFrom" . }}{{ end -}}
{{- with $o.volumeMounts }}{{ $_ := set $c "volumeMounts" . }}{{ end -}}
{{- if hasKey $o "securityContext" }}{{ $_ := set $c "securityContext" (deepCopy ($o.securityContext | default dict)) }}{{ end -}}
{{- toJson $c -}}
{{- end -}}

{{/*
Adds the autoscaler to a head pod spec, in place, before preparePod: the
container (after the Ray container and any sidecars) and the
ServiceAccount. Argument: dict root, spec (the head pod spec).
*/}}
{{- define "ray-cluster.addAutoscaler" -}}
{{- $spec := .spec -}}
{{- $ray := index $spec.containers 0 -}}
{{- $c := include "ray-cluster.autoscalerContainer" (dict "root" .root "image" $ray.image) | fromJson -}}
{{- $_ := set $spec "containers" (append $spec.containers $c) -}}
{{- $_ = set $spec "serviceAccountName" (include "ray-cluster.autoscalerServiceAccountName" .root) -}}
{{- end -}}

{{/*
The shared log volume: an emptyDir named ray-logs (a volume the user gave
that name is used as it is), mounted at /tmp/ray in the Ray container and
the first container named autoscaler (KubeRay's lookup), unless the
container already mounts something there. Argument: the head pod spec.
*/}}
{{- define "ray-cluster.autoscalerLogVolume" -}}
{{- $spec := . -}}
{{- $targets := list 0 -}}
{{- range $i, $c := $spec.containers -}}
{{- if and (eq $c.name "autoscaler") (eq (len $targets) 1) }}{{ $targets = append $targets $i }}{{ end -}}
{{- end -}}
{{- range $targets -}}
{{- $c := index $spec.containers . -}}
{{- $mounts := $c.volumeMounts | default list -}}
{{- $paths := list -}}
{{- range $mounts }}{{ $paths = append $paths .mountPath }}{{ end -}}
{{- if not (has "/tmp/ray" $paths) -}}
{{- $volumes := $spec.volumes | default list -}}
{{- $names := list -}}
{{- range $volumes }}{{ $names = append $names .name }}{{ end -}}
{{- if not (has "ray-logs" $names) }}{{ $_ := set $spec "volumes" (append $volumes (dict "name" "ray-logs" "emptyDir" (dict))) }}{{ end -}}
{{- $_ := set $c "volumeMounts" (append $mounts (dict "name" "ray-logs" "mountPath" "/tmp/ray")) -}}
{{- end -}}
{{- end -}}
{{- end -}}
