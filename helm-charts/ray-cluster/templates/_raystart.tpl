{{/*
The `ray start` command lines. Values reach a shell (bash -c), so every value
is one shell word: plain when it only has harmless characters, else inside
single quotes. The exception is a value with environment variable references
($NAME or ${NAME}): KubeRay pastes values unquoted, so manifests rely on
bash expanding them (node-ip-address: $MY_POD_IP, the Redis credentials).
Such a value is double-quoted with every other special character escaped:
the variables expand, nothing else does (no command substitution, no word
splitting, no globbing).
*/}}

{{/* Shell word for a literal value. */}}
{{- define "ray-cluster.shellWord" -}}
{{- $v := toString . -}}
{{- if regexMatch "^[A-Za-z0-9._:/,@+=-]+$" $v -}}
{{- $v -}}
{{- else -}}
'{{ replace "'" "'\\''" $v }}'
{{- end -}}
{{- end -}}

{{/* An environment variable reference, $NAME or ${NAME}. */}}
{{- define "ray-cluster.envRefRegex" -}}
\$([A-Za-z_][A-Za-z0-9_]*|\{[A-Za-z_][A-Za-z0-9_]*\})
{{- end -}}

{{/* Shell word in double quotes in which only variable references expand. */}}
{{- define "ray-cluster.expandingWord" -}}
{{- $v := toString . | replace "\\" "\\\\" | replace "\"" "\\\"" | replace "`" "\\`" | replace "$" "\\$" -}}
{{- $v = regexReplaceAll (printf "\\\\%s" (include "ray-cluster.envRefRegex" .)) $v "$$${1}" -}}
"{{ $v }}"
{{- end -}}

{{/*
KubeRay pastes values into its command unquoted, so manifests written for it
wrap JSON values in shell quotes themselves (resources: '"{\"GPU\": 1}"').
Strip one such wrapper so the value means the same here; it is re-quoted
after, so nothing inside is ever interpreted by the shell.
*/}}
{{- define "ray-cluster.unwrapQuotes" -}}
{{- $v := toString . -}}
{{- if and (ge (len $v) 2) (hasPrefix "\"" $v) (hasSuffix "\"" $v) -}}
{{- regexReplaceAll "\\\\([\\\\\"$`])" (substr 1 (int (sub (len $v) 1)) $v) "${1}" -}}
{{- else if and (ge (len $v) 2) (hasPrefix "'" $v) (hasSuffix "'" $v) (not (contains "'" (substr 1 (int (sub (len $v) 1)) $v))) -}}
{{- substr 1 (int (sub (len $v) 1)) $v -}}
{{- else -}}
{{- $v -}}
{{- end -}}
{{- end -}}

{{/* One ray start flag, with a leading space. Argument: dict field, k, v. */}}
{{- define "ray-cluster.flag" -}}
{{- $k := toString .k -}}
{{- if not (regexMatch "^[a-z0-9]([a-z0-9-]*[a-z0-9])?$" $k) -}}
{{- fail (printf "%s: %q is not a valid ray start parameter name" .field $k) -}}
{{- end -}}
{{- $v := include "ray-cluster.unwrapQuotes" .v -}}
{{- $lv := lower $v -}}
{{- if and (has $lv (list "true" "false")) (not (has $k (list "log-color" "include-dashboard"))) -}}
{{- /* ray start's boolean options are bare flags: --block, never --block=true. */ -}}
{{- if eq $lv "true" }} --{{ $k }}{{ end -}}
{{- else if regexMatch (include "ray-cluster.envRefRegex" .) $v -}}
{{- printf " --%s=%s" $k (include "ray-cluster.expandingWord" $v) -}}
{{- else -}}
{{- printf " --%s=%s" $k (include "ray-cluster.shellWord" $v) -}}
{{- end -}}
{{- end -}}

{{/* "ray start ..." from dict field, params, head. Map keys come out sorted, so the line is stable. */}}
{{- define "ray-cluster.rayStartCommand" -}}
{{- $field := .field -}}
ray start{{ if .head }} --head{{ end }}
{{- range $k, $v := .params }}{{ include "ray-cluster.flag" (dict "field" $field "k" $k "v" $v) }}{{ end }}
{{- end -}}

{{/*
The container script. ulimit raises the open-file limit Ray wants when the
hard limit allows it and is silent when it does not; exec makes ray start the
process that receives the kubelet's SIGTERM.
*/}}
{{- define "ray-cluster.rayStartScript" -}}
ulimit -n "${RAY_START_ULIMIT_OPEN_FILES:-65536}" 2>/dev/null || true; exec {{ . }}
{{- end -}}

{{/* "true" when a legacy-path literal redis-password should move into env REDIS_PASSWORD. */}}
{{- define "ray-cluster.legacyPasswordToEnv" -}}
{{- $p := .Values.headGroupSpec.rayStartParams | default dict -}}
{{- $c := index .Values.headGroupSpec.template.spec.containers 0 -}}
{{- $userEnv := list -}}
{{- range ($c.env | default list) }}{{ $userEnv = append $userEnv .name }}{{ end -}}
{{- if and (include "ray-cluster.ftEnabled" .) (not .Values.gcsFaultToleranceOptions) (hasKey $p "redis-password") (not (has "REDIS_PASSWORD" $userEnv)) -}}
{{- $v := include "ray-cluster.unwrapQuotes" (index $p "redis-password") -}}
{{- if not (has $v (list "$REDIS_PASSWORD" "${REDIS_PASSWORD}")) -}}
true
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
The head's rayStartParams as KubeRay v1.5 completes them, as JSON: the
group's resources and labels, GCS FT credentials, defaults, then what the Ray
container's resources add.
*/}}
{{- define "ray-cluster.headParams" -}}
{{- $h := .Values.headGroupSpec -}}
{{- $p := deepCopy ($h.rayStartParams | default dict) -}}
{{- include "ray-cluster.applyGroupResources" (dict "params" $p "resources" $h.resources "field" "headGroupSpec") -}}
{{- include "ray-cluster.applyGroupLabels" (dict "params" $p "labels" $h.labels) -}}
{{- $ft := .Values.gcsFaultToleranceOptions -}}
{{- if $ft -}}
{{- /* Credentials only ever reach the command as variable references. */ -}}
{{- if $ft.redisUsername }}{{ $_ := set $p "redis-username" "$REDIS_USERNAME" }}{{ end -}}
{{- if $ft.redisPassword }}{{ $_ := set $p "redis-password" "$REDIS_PASSWORD" }}{{ end -}}
{{- else if include "ray-cluster.legacyPasswordToEnv" . -}}
{{- $_ := set $p "redis-password" "$REDIS_PASSWORD" -}}
{{- end -}}
{{- if not (hasKey $p "dashboard-host") }}{{ $_ := set $p "dashboard-host" "0.0.0.0" }}{{ end -}}
{{- /* The autoscaler sidecar replaces Ray's monitor, which does not know Kubernetes. */ -}}
{{- if include "ray-cluster.autoscaling" . }}{{ $_ := set $p "no-monitor" "true" }}{{ end -}}
{{- include "ray-cluster.commonParamDefaults" $p -}}
{{- include "ray-cluster.applyContainerResources" (dict "params" $p "container" (index $h.template.spec.containers 0) "field" "headGroupSpec.template.spec.containers[0]") -}}
{{- toJson $p -}}
{{- end -}}

{{/* A worker group's rayStartParams, completed as the head's. Argument: dict root, group, field. */}}
{{- define "ray-cluster.workerParams" -}}
{{- $g := .group -}}
{{- $p := deepCopy ($g.rayStartParams | default dict) -}}
{{- include "ray-cluster.applyGroupResources" (dict "params" $p "resources" $g.resources "field" .field) -}}
{{- include "ray-cluster.applyGroupLabels" (dict "params" $p "labels" $g.labels) -}}
{{- if not (hasKey $p "address") -}}
{{- $_ := set $p "address" (printf "%s:%s" (include "ray-cluster.headFQDN" .root) (include "ray-cluster.gcsPort" .root)) -}}
{{- end -}}
{{- include "ray-cluster.commonParamDefaults" $p -}}
{{- include "ray-cluster.applyContainerResources" (dict "params" $p "container" (index $g.template.spec.containers 0) "field" (printf "%s.template.spec.containers[0]" .field)) -}}
{{- toJson $p -}}
{{- end -}}

{{/*
Defaults for head and workers; mutates the dict it is given. block is always
on, as KubeRay sets it: ray start must stay in the foreground, or the
container would exit while Ray runs.
*/}}
{{- define "ray-cluster.commonParamDefaults" -}}
{{- if not (hasKey . "metrics-export-port") }}{{ $_ := set . "metrics-export-port" "8080" }}{{ end -}}
{{- $_ := set . "block" "true" -}}
{{- if not (hasKey . "dashboard-agent-listen-port") }}{{ $_ := set . "dashboard-agent-listen-port" "52365" }}{{ end -}}
{{- end -}}
