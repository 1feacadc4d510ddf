{{/*
Turns a user's PodTemplateSpec into a Ray pod template, in place. The first
container is the Ray container. The rule throughout: what the user set wins;
the chart only fills what is missing. The exceptions are the ray.io labels
(selectors and the operator depend on them) and restartPolicy, which
StatefulSets and Deployments only accept as Always.

Argument: dict
  root        the chart's root context
  pod         a deep copy of the template, changed in place
  nodeType    head | worker
  group       headgroup | the worker group name
  identifier  <name>-head | <name>-<group>-worker
  command     the `ray start` line
  env         EnvVars to add to the Ray container
  ports       ports for the Ray container when it declares none
  annotations pod annotations to add
  params      final rayStartParams (for the probes)
  waitFor     workers: the GCS address the init container waits for
*/}}
{{- define "ray-cluster.preparePod" -}}
{{- $pod := .pod -}}
{{- $meta := $pod.metadata | default dict -}}
{{- $labels := merge (include "ray-cluster.podLabels" (dict "root" .root "nodeType" .nodeType "group" .group "identifier" .identifier) | fromJson) ($meta.labels | default dict) -}}
{{- $_ := set $meta "labels" $labels -}}
{{- $annotations := merge (deepCopy .annotations) ($meta.annotations | default dict) -}}
{{- if $annotations }}{{ $_ = set $meta "annotations" $annotations }}{{ end -}}
{{- $_ = set $pod "metadata" $meta -}}
{{- $spec := $pod.spec -}}
{{- $_ = set $spec "restartPolicy" "Always" -}}
{{- include "ray-cluster.podSecurityDefaults" $spec -}}
{{- $c := index $spec.containers 0 -}}
{{- include "ray-cluster.rayContainer" (dict "c" $c "ctx" .) -}}
{{- range $spec.containers }}{{ include "ray-cluster.containerSecurityDefaults" . }}{{ end -}}
{{- $inits := $spec.initContainers | default list -}}
{{- range $inits }}{{ include "ray-cluster.containerSecurityDefaults" . }}{{ end -}}
{{- if .waitFor -}}
{{- $names := list -}}
{{- range $inits }}{{ $names = append $names .name }}{{ end -}}
{{- if not (has "wait-gcs-ready" $names) -}}
{{- $inits = append $inits (include "ray-cluster.waitGcsReady" (dict "c" $c "address" .waitFor) | fromJson) -}}
{{- end -}}
{{- end -}}
{{- if $inits }}{{ $_ = set $spec "initContainers" $inits }}{{ end -}}
{{- end -}}

{{/* Fills the Ray container: command, env, ports, probes. Argument: dict c, ctx (preparePod's). */}}
{{- define "ray-cluster.rayContainer" -}}
{{- $c := .c -}}
{{- $ctx := .ctx -}}
{{- /*
A user-set command or args is the user's own way to start Ray (it can use
$KUBERAY_GEN_RAY_START_CMD); the chart then leaves both alone.
*/ -}}
{{- if not (or $c.command $c.args) -}}
{{- $_ := set $c "command" (list "/bin/bash" "-c" "--") -}}
{{- $_ = set $c "args" (list (include "ray-cluster.rayStartScript" $ctx.command)) -}}
{{- end -}}
{{- $env := $c.env | default list -}}
{{- $names := list -}}
{{- range $env }}{{ $names = append $names .name }}{{ end -}}
{{- range $ctx.env -}}
{{- if not (has .name $names) }}{{ $env = append $env . }}{{ end -}}
{{- end -}}
{{- $_ := set $c "env" $env -}}
{{- if not $c.ports }}{{ $_ = set $c "ports" $ctx.ports }}{{ end -}}
{{- $probes := include "ray-cluster.probes" (dict "root" $ctx.root "head" (eq $ctx.nodeType "head") "params" $ctx.params) | fromJson -}}
{{- /* A key present with null counts as set: that is how a probe is switched off. */ -}}
{{- if not (hasKey $c "livenessProbe") }}{{ $_ = set $c "livenessProbe" $probes.liveness }}{{ end -}}
{{- if not (hasKey $c "readinessProbe") }}{{ $_ = set $c "readinessProbe" $probes.readiness }}{{ end -}}
{{- end -}}

{{/*
The workers' wait-gcs-ready init container: a worker started before the GCS
answers would only crash-loop. It runs the Ray image with the Ray container's
env, mounts and security context (TLS settings live there), checks every
5 s, stays quiet for the first minute, and gives up after 10 minutes so a
head that never comes shows up as a failing init container, not a silent hang.
*/}}
{{- define "ray-cluster.waitGcsReady" -}}
{{- $c := .c -}}
{{- $script := printf `addr=%s
until ray health-check --address "$addr" >/dev/null 2>&1; do
  if [ "$SECONDS" -ge 600 ]; then echo "GCS at $addr not ready after ${SECONDS}s" >&2; exit 1; fi
  if [ "$SECONDS" -ge 60 ]; then echo "waiting for the GCS at $addr (${SECONDS}s)"; fi
  sleep 5
done
echo "GCS at $addr is ready"` (include "ray-cluster.shellWord" .address) -}}
{{- $init := dict
  "name" "wait-gcs-ready"
  "image" $c.image
  "command" (list "/bin/bash" "-c" "--")
  "args" (list $script)
  "resources" (dict "requests" (dict "cpu" "200m" "memory" "256Mi") "limits" (dict "cpu" "200m" "memory" "256Mi")) -}}
{{- range list "imagePullPolicy" "env" "envFrom" "volumeMounts" "securityContext" -}}
{{- if hasKey $c . }}{{ $_ := set $init . (deepCopy (index $c .)) }}{{ end -}}
{{- end -}}
{{- include "ray-cluster.containerSecurityDefaults" $init -}}
{{- toJson $init -}}
{{- end -}}

{{/*
Pod Security Admission "restricted" (and OpenShift restricted-v2) defaults.
No fixed UID or fsGroup: OpenShift assigns them per namespace. Fields the user
set are kept, even when they weaken the profile: that is a deliberate choice.
*/}}
{{- define "ray-cluster.podSecurityDefaults" -}}
{{- $sc := .securityContext | default dict -}}
{{- if not (hasKey $sc "runAsNonRoot") }}{{ $_ := set $sc "runAsNonRoot" true }}{{ end -}}
{{- if not (hasKey $sc "seccompProfile") }}{{ $_ := set $sc "seccompProfile" (dict "type" "RuntimeDefault") }}{{ end -}}
{{- $_ := set . "securityContext" $sc -}}
{{- end -}}

{{- define "ray-cluster.containerSecurityDefaults" -}}
{{- $sc := .securityContext | default dict -}}
{{- if not (hasKey $sc "allowPrivilegeEscalation") }}{{ $_ := set $sc "allowPrivilegeEscalation" false }}{{ end -}}
{{- if not (hasKey $sc "runAsNonRoot") }}{{ $_ := set $sc "runAsNonRoot" true }}{{ end -}}
{{- if not (hasKey $sc "seccompProfile") }}{{ $_ := set $sc "seccompProfile" (dict "type" "RuntimeDefault") }}{{ end -}}
{{- $caps := $sc.capabilities | default dict -}}
{{- if not (hasKey $caps "drop") }}{{ $_ := set $caps "drop" (list "ALL") }}{{ end -}}
{{- $_ := set $sc "capabilities" $caps -}}
{{- $_ = set . "securityContext" $sc -}}
{{- end -}}
