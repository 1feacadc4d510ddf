{{/*
The `ray start` command lines. Values reach a shell (bash -c), so every value
is one shell word: plain when it only has harmless characters, else inside
single quotes. The one exception is a reference to the Redis credentials'
environment variables, which must expand and is double-quoted.
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
{{- else if has $v (list "$REDIS_PASSWORD" "${REDIS_PASSWORD}" "$REDIS_USERNAME" "${REDIS_USERNAME}") -}}
{{- printf " --%s=\"%s\"" $k $v -}}
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

{{/* The head's rayStartParams after FT wiring and defaults, as JSON. */}}
{{- define "ray-cluster.headParams" -}}
{{- $p := deepCopy (.Values.headGroupSpec.rayStartParams | default dict) -}}
{{- $ft := .Values.gcsFaultToleranceOptions -}}
{{- if $ft -}}
{{- /* Credentials only ever reach the command as variable references. */ -}}
{{- if $ft.redisUsername }}{{ $_ := set $p "redis-username" "$REDIS_USERNAME" }}{{ end -}}
{{- if $ft.redisPassword }}{{ $_ := set $p "redis-password" "$REDIS_PASSWORD" }}{{ end -}}
{{- else if include "ray-cluster.legacyPasswordToEnv" . -}}
{{- $_ := set $p "redis-password" "$REDIS_PASSWORD" -}}
{{- end -}}
{{- include "ray-cluster.commonParamDefaults" $p -}}
{{- if not (hasKey $p "dashboard-host") }}{{ $_ := set $p "dashboard-host" "0.0.0.0" }}{{ end -}}
{{- toJson $p -}}
{{- end -}}

{{/* A worker group's rayStartParams after defaults, as JSON. Argument: dict root, group. */}}
{{- define "ray-cluster.workerParams" -}}
{{- $p := deepCopy (.group.rayStartParams | default dict) -}}
{{- include "ray-cluster.commonParamDefaults" $p -}}
{{- if not (hasKey $p "address") -}}
{{- $_ := set $p "address" (printf "%s:%s" (include "ray-cluster.headFQDN" .root) (include "ray-cluster.gcsPort" .root)) -}}
{{- end -}}
{{- toJson $p -}}
{{- end -}}

{{/* Defaults for head and workers; mutates the dict it is given. */}}
{{- define "ray-cluster.commonParamDefaults" -}}
{{- if not (hasKey . "metrics-export-port") }}{{ $_ := set . "metrics-export-port" "8080" }}{{ end -}}
{{- if not (hasKey . "block") }}{{ $_ := set . "block" "true" }}{{ end -}}
{{- if not (hasKey . "dashboard-agent-listen-port") }}{{ $_ := set . "dashboard-agent-listen-port" "52365" }}{{ end -}}
{{- end -}}
