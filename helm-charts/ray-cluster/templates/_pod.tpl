{{/*
Turns a user's PodTemplateSpec into a Ray pod template, in place, as KubeRay
v1.5's pod builder does: the first container is the Ray container; the chart
fills what is missing and the user's settings win, except where KubeRay's
win too (the ray.io/cluster, node-type and group labels, which selectors
depend on; the forced env entries of _env.tpl). restartPolicy is always
Always: StatefulSets and ReplicaSets accept nothing else.

Argument: dict
  root        the chart's root context
  pod         a deep copy of the template, changed in place
  nodeType    head | worker
  group       headgroup | the worker group name
  groupLabels the group's `labels` field (Ray node labels, also pod labels)
  command     the `ray start` line
  env         env entries ({forced, env}) for the Ray container
  annotations pod annotations to add (they win over the template's)
  params      final rayStartParams (probes, metrics port)
  field       where params come from, for errors (headGroupSpec.rayStartParams)
  waitFor     workers: the GCS address the init container waits for
Last, the batch scheduler's metadata (_batchscheduler.tpl), as KubeRay adds
it to each pod it built.
*/}}
{{- define "ray-cluster.preparePod" -}}
{{- $pod := .pod -}}
{{- $meta := $pod.metadata | default dict -}}
{{- $_ := set $meta "labels" (include "ray-cluster.podLabels" (dict "root" .root "nodeType" .nodeType "group" .group "user" (merge (deepCopy (.groupLabels | default dict)) ($meta.labels | default dict))) | fromJson) -}}
{{- $annotations := merge (deepCopy .annotations) ($meta.annotations | default dict) -}}
{{- if include "ray-cluster.overwriteCommand" .root }}{{ $_ = set $annotations "ray.io/overwrite-container-cmd" "true" }}{{ end -}}
{{- if $annotations }}{{ $_ = set $meta "annotations" $annotations }}{{ end -}}
{{- $_ = set $pod "metadata" $meta -}}
{{- $spec := $pod.spec -}}
{{- $_ = set $spec "restartPolicy" "Always" -}}
{{- include "ray-cluster.podSecurityDefaults" $spec -}}
{{- $c := index $spec.containers 0 -}}
{{- $inits := $spec.initContainers | default list -}}
{{- if .waitFor -}}
{{- /* Built from the Ray container as the user wrote it, before the chart adds to it. */ -}}
{{- $names := list -}}
{{- range $inits }}{{ $names = append $names .name }}{{ end -}}
{{- if not (has "wait-gcs-ready" $names) -}}
{{- $inits = append $inits (include "ray-cluster.waitGcsReady" (dict "c" $c "address" .waitFor) | fromJson) -}}
{{- end -}}
{{- end -}}
{{- $overwrite := or (include "ray-cluster.overwriteCommand" .root) (eq (lower (index $annotations "ray.io/overwrite-container-cmd" | default "")) "true") -}}
{{- include "ray-cluster.rayContainer" (dict "c" $c "ctx" . "overwrite" $overwrite) -}}
{{- include "ray-cluster.sharedMemory" (dict "pod" $spec "c" $c) -}}
{{- range $spec.containers }}{{ include "ray-cluster.containerSecurityDefaults" . }}{{ end -}}
{{- $headEnv := include "ray-cluster.headAddressEnv" .root | fromJsonArray -}}
{{- range $inits -}}
{{- $_ := set . "env" (include "ray-cluster.mergeEnv" (dict "env" .env "add" $headEnv) | fromJsonArray) -}}
{{- include "ray-cluster.containerSecurityDefaults" . -}}
{{- end -}}
{{- if $inits }}{{ $_ = set $spec "initContainers" $inits }}{{ end -}}
{{- include "ray-cluster.batchSchedulerPod" (dict "root" .root "pod" $pod "group" .group) -}}
{{- end -}}

{{/* "true" when the RayCluster asks to keep the Ray container's command as written (ray.io/overwrite-container-cmd). */}}
{{- define "ray-cluster.overwriteCommand" -}}
{{- $a := include "ray-cluster.clusterAnnotations" . | fromJson -}}
{{- if eq (lower (index $a "ray.io/overwrite-container-cmd" | default "")) "true" }}true{{ end -}}
{{- end -}}

{{/*
Fills the Ray container: command, env, ports, probes. Argument: dict c, ctx
(preparePod's), overwrite.

The command as KubeRay builds it: a container command that already runs
`ray start`, or one the RayCluster asks to keep (overwrite), is left as
written; any other command and args run first, joined into one shell line,
then ray start. Ray starts even when that command fails, as under KubeRay.
*/}}
{{- define "ray-cluster.rayContainer" -}}
{{- $c := .c -}}
{{- $ctx := .ctx -}}
{{- $userCmd := "" -}}
{{- range (concat ($c.command | default list) ($c.args | default list)) }}{{ $userCmd = printf "%s %s " $userCmd . }}{{ end -}}
{{- if not (or .overwrite (contains "ray start" $userCmd)) -}}
{{- $script := include "ray-cluster.rayStartScript" $ctx.command -}}
{{- $_ := set $c "command" (list "/bin/bash" "-c" "--") -}}
{{- $_ = set $c "args" (list (ternary (printf "%s && %s" $userCmd $script) $script (ne $userCmd ""))) -}}
{{- end -}}
{{- $_ := set $c "env" (include "ray-cluster.mergeEnv" (dict "env" $c.env "add" $ctx.env) | fromJsonArray) -}}
{{- /* Prometheus finds Ray's metrics through a port named metrics, at the port Ray exports them on. */ -}}
{{- $ports := $c.ports | default list -}}
{{- $portNames := list -}}
{{- range $ports }}{{ $portNames = append $portNames (.name | default "") }}{{ end -}}
{{- if not (has "metrics" $portNames) -}}
{{- $metricsPort := include "ray-cluster.fixedPort" (dict "params" $ctx.params "key" "metrics-export-port" "field" $ctx.field "use" "the container port named metrics" "instead" "the Ray container a port named metrics") -}}
{{- $_ = set $c "ports" (append $ports (dict "name" "metrics" "containerPort" (int $metricsPort) "protocol" "TCP")) -}}
{{- end -}}
{{- /* A key present with null counts as set: that is how a probe is switched off. */ -}}
{{- if not (and (hasKey $c "livenessProbe") (hasKey $c "readinessProbe")) -}}
{{- $_ = include "ray-cluster.fixedPort" (dict "params" $ctx.params "key" "dashboard-agent-listen-port" "field" $ctx.field "use" "the Ray container's probes" "instead" "the Ray container a livenessProbe and a readinessProbe") -}}
{{- $probes := include "ray-cluster.probes" (dict "root" $ctx.root "head" (eq $ctx.nodeType "head") "params" $ctx.params) | fromJson -}}
{{- if not (hasKey $c "livenessProbe") }}{{ $_ = set $c "livenessProbe" $probes.liveness }}{{ end -}}
{{- if not (hasKey $c "readinessProbe") }}{{ $_ = set $c "readinessProbe" $probes.readiness }}{{ end -}}
{{- end -}}
{{- end -}}

{{/*
/dev/shm as a memory-backed emptyDir, as KubeRay mounts it: the container
runtime's 64 MB default would push Ray's object store to disk. Its size limit
is the Ray container's memory limit, else its request. A mount the user put
at /dev/shm wins; a volume the user named shared-mem is used as it is.
Argument: dict pod (the pod spec), c (the Ray container).
*/}}
{{- define "ray-cluster.sharedMemory" -}}
{{- $c := .c -}}
{{- $mounts := $c.volumeMounts | default list -}}
{{- $paths := list -}}
{{- range $mounts }}{{ $paths = append $paths .mountPath }}{{ end -}}
{{- if not (has "/dev/shm" $paths) -}}
{{- $volumes := .pod.volumes | default list -}}
{{- $names := list -}}
{{- range $volumes }}{{ $names = append $names .name }}{{ end -}}
{{- if not (has "shared-mem" $names) -}}
{{- $emptyDir := dict "medium" "Memory" -}}
{{- $r := $c.resources | default dict -}}
{{- $limits := $r.limits | default dict -}}
{{- $requests := $r.requests | default dict -}}
{{- if hasKey $limits "memory" }}{{ $_ := set $emptyDir "sizeLimit" $limits.memory }}{{ else if hasKey $requests "memory" }}{{ $_ := set $emptyDir "sizeLimit" $requests.memory }}{{ end -}}
{{- $_ := set .pod "volumes" (append $volumes (dict "name" "shared-mem" "emptyDir" $emptyDir)) -}}
{{- end -}}
{{- $_ := set $c "volumeMounts" (append $mounts (dict "name" "shared-mem" "mountPath" "/dev/shm")) -}}
{{- end -}}
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
{{- range list "imagePullPolicy" "env" "volumeMounts" "securityContext" -}}
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

{{/*
The rayStartParams value at key as a port the chart can render into the pod
(1-65535), else a render error naming the field: Ray accepts 0 (it picks a
port) and shell words such as $RANDOM, but a probe or container port needs
the number. Argument: dict params, key, field, use (what needs the port),
instead (what the user can give instead).
*/}}
{{- define "ray-cluster.fixedPort" -}}
{{- $v := toString (index .params .key) -}}
{{- $n := ternary (int $v) 0 (regexMatch "^[0-9]{1,5}$" $v) -}}
{{- if or (lt $n 1) (gt $n 65535) -}}
{{- fail (printf "%s.%s: %q is not a fixed port, and the chart needs one for %s; set a port from 1 to 65535, or give %s" .field .key $v .use .instead) -}}
{{- end -}}
{{- $n -}}
{{- end -}}
