{{/*
Liveness and readiness probes of the Ray container, as JSON {liveness,
readiness}. Argument: dict root, head (bool), params (final rayStartParams).

Ray >= 2.53 serves /api/healthz on the dashboard agent: raylet health, plus
the local GCS on the head. Older Ray only has the separate raylet and GCS
endpoints, checked with wget inside the container.

The liveness window (120 failures x 5 s) is longer than the workers' GCS
reconnect timeout on purpose: during a head replacement the probes must not
kill raylets that are waiting for the new GCS.
*/}}
{{- define "ray-cluster.probes" -}}
{{- $agentPort := index .params "dashboard-agent-listen-port" | default "52365" -}}
{{- $dashPort := index (.root.Values.headGroupSpec.rayStartParams | default dict) "dashboard-port" | default "8265" -}}
{{- $timeout := ternary 5 2 .head -}}
{{- $handler := dict -}}
{{- if include "ray-cluster.httpProbes" .root -}}
{{- $handler = dict "httpGet" (dict "path" "/api/healthz" "port" (int $agentPort)) -}}
{{- else -}}
{{- $checks := list (printf "wget --tries 1 -T 2 -q -O- http://localhost:%s/api/local_raylet_healthz | grep success" $agentPort) -}}
{{- if .head -}}
{{- $checks = append $checks (printf "wget --tries 1 -T 10 -q -O- http://localhost:%s/api/gcs_healthz | grep success" $dashPort) -}}
{{- end -}}
{{- $handler = dict "exec" (dict "command" (list "bash" "-c" (join " && " $checks))) -}}
{{- end -}}
{{- $liveness := merge (dict "initialDelaySeconds" 30 "timeoutSeconds" $timeout "periodSeconds" 5 "successThreshold" 1 "failureThreshold" 120) (deepCopy $handler) -}}
{{- $readiness := merge (dict "initialDelaySeconds" 10 "timeoutSeconds" $timeout "periodSeconds" 5 "successThreshold" 1 "failureThreshold" 10) (deepCopy $handler) -}}
{{- toJson (dict "liveness" $liveness "readiness" $readiness) -}}
{{- end -}}

{{/* "true" when rayVersion is a version >= 2.53; anything unparsable gets the older checks. */}}
{{- define "ray-cluster.httpProbes" -}}
{{- $v := toString (.Values.rayVersion | default "") | trimPrefix "v" -}}
{{- if regexMatch "^[0-9]+\\.[0-9]+(\\.[0-9]+)?$" $v -}}
{{- if semverCompare ">=2.53.0" $v -}}
true
{{- end -}}
{{- end -}}
{{- end -}}
