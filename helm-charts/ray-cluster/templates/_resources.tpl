{{/*
Ray resources from Kubernetes resources, as KubeRay v1.5 derives them: what a
Ray node advertises (--num-cpus, --memory, --num-gpus, custom resources) comes
from the group's `resources` field, else from the Ray container's limits (CPU:
the limit, else the request). Without this Ray would detect the whole node's
CPUs and memory and schedule more work than the pod may use.

Templates have no Quantity type, so quantities are parsed here with integer
arithmetic: "2.5" CPUs is 3, "1.5Gi" is 1610612736, rounded up as
resource.Quantity.Value() rounds.
*/}}

{{/* The Quantity grammar: sign, digits, fraction, then a binary or decimal suffix or an exponent. */}}
{{- define "ray-cluster.quantityRegex" -}}
^\+?([0-9]*)(?:\.([0-9]*))?([KMGTPE]i|[eE][+-]?[0-9]+|[numkMGTPE]?)$
{{- end -}}

{{/*
A quantity as JSON {int, scale, p10, p2}: the value is
int x 10^(p10-scale) x 2^p2. Argument: dict field, v.
*/}}
{{- define "ray-cluster.quantityParts" -}}
{{- $s := trim (toString .v) -}}
{{- /* A number that came through JSON as a float prints as 1e+09. */ -}}
{{- $re := include "ray-cluster.quantityRegex" . -}}
{{- if or (not (regexMatch $re $s)) (not (regexMatch "[0-9]" (regexReplaceAll $re $s "${1}${2}"))) -}}
{{- fail (printf "%s: %q is not a Kubernetes quantity" .field $s) -}}
{{- end -}}
{{- $whole := regexReplaceAll $re $s "${1}" -}}
{{- $frac := regexReplaceAll $re $s "${2}" -}}
{{- $suffix := regexReplaceAll $re $s "${3}" -}}
{{- /* Leading zeros go first: the integer conversion would read them as octal. */ -}}
{{- $digits := regexReplaceAll "^0+" (printf "%s%s" $whole $frac) "" | default "0" -}}
{{- if gt (len $digits) 18 -}}
{{- fail (printf "%s: %q has more digits than this chart can compute with" .field $s) -}}
{{- end -}}
{{- $p10 := 0 -}}
{{- $p2 := 0 -}}
{{- $decimal := dict "n" -9 "u" -6 "m" -3 "" 0 "k" 3 "M" 6 "G" 9 "T" 12 "P" 15 "E" 18 -}}
{{- $binary := dict "Ki" 10 "Mi" 20 "Gi" 30 "Ti" 40 "Pi" 50 "Ei" 60 -}}
{{- if hasKey $decimal $suffix -}}
{{- $p10 = index $decimal $suffix -}}
{{- else if hasKey $binary $suffix -}}
{{- $p2 = index $binary $suffix -}}
{{- else -}}
{{- $exp := substr 1 (len $suffix) $suffix -}}
{{- $p10 = int (regexReplaceAll "^[+-]?0*" $exp "" | default "0") -}}
{{- if hasPrefix "-" $exp }}{{ $p10 = sub 0 $p10 }}{{ end -}}
{{- end -}}
{{- toJson (dict "int" $digits "scale" (len $frac) "p10" $p10 "p2" $p2) -}}
{{- end -}}

{{/* base^n as a float, for magnitudes past int64. Argument: dict base, n. */}}
{{- define "ray-cluster.powf" -}}
{{- $r := 1.0 -}}
{{- range until (int .n) }}{{ $r = mulf $r $.base }}{{ end -}}
{{- $r -}}
{{- end -}}

{{/* 10^n or 2^n as an int64. Argument: dict base, n. */}}
{{- define "ray-cluster.pow" -}}
{{- $r := int64 1 -}}
{{- range until (int .n) }}{{ $r = mul $r $.base }}{{ end -}}
{{- $r -}}
{{- end -}}

{{/*
A quantity's value rounded up to an integer, as a decimal string, like
resource.Quantity.Value(). Argument: dict field, v.
*/}}
{{- define "ray-cluster.quantityValue" -}}
{{- $q := include "ray-cluster.quantityParts" . | fromJson -}}
{{- if gt (include "ray-cluster.quantityFloat" . | float64) 9.0e18 -}}
{{- fail (printf "%s: %q is too large" .field (toString .v)) -}}
{{- end -}}
{{- $n := int64 $q.int -}}
{{- $e10 := sub (int $q.p10) (int $q.scale) -}}
{{- $p2 := int $q.p2 -}}
{{- if ge $e10 0 -}}
{{- $n = mul $n (include "ray-cluster.pow" (dict "base" 10 "n" $e10) | int64) (include "ray-cluster.pow" (dict "base" 2 "n" $p2) | int64) -}}
{{- else if lt $e10 -18 -}}
{{- /* Less than one (at most 18 digits), so it rounds up to 1. */ -}}
{{- $n = ternary 0 1 (eq $n (int64 0)) -}}
{{- else -}}
{{- /* n x 2^p2 / (2^d x 5^d), with the common powers of two cancelled first so nothing overflows. */ -}}
{{- $d := sub 0 $e10 -}}
{{- $c := min $d $p2 -}}
{{- $num := mul $n (include "ray-cluster.pow" (dict "base" 2 "n" (sub $p2 $c)) | int64) -}}
{{- $den := mul (include "ray-cluster.pow" (dict "base" 2 "n" (sub $d $c)) | int64) (include "ray-cluster.pow" (dict "base" 5 "n" $d) | int64) -}}
{{- $n = div (add $num $den -1) $den -}}
{{- end -}}
{{- $n -}}
{{- end -}}

{{/* A quantity as a float, like resource.Quantity.AsApproximateFloat64(). Argument: dict field, v. */}}
{{- define "ray-cluster.quantityFloat" -}}
{{- $q := include "ray-cluster.quantityParts" . | fromJson -}}
{{- $f := float64 (int64 $q.int) -}}
{{- $e10 := sub (int $q.p10) (int $q.scale) -}}
{{- if ge $e10 0 -}}
{{- $f = mulf $f (include "ray-cluster.powf" (dict "base" 10 "n" $e10) | float64) -}}
{{- else -}}
{{- $f = divf $f (include "ray-cluster.powf" (dict "base" 10 "n" (sub 0 $e10)) | float64) -}}
{{- end -}}
{{- mulf $f (include "ray-cluster.powf" (dict "base" 2 "n" $q.p2) | float64) -}}
{{- end -}}

{{/* "true" when a quantity is zero. Argument: dict field, v. */}}
{{- define "ray-cluster.quantityIsZero" -}}
{{- $q := include "ray-cluster.quantityParts" . | fromJson -}}
{{- if eq $q.int "0" }}true{{ end -}}
{{- end -}}

{{/* "true" for a Kubernetes resource name that is a GPU: ends in gpu, or an NVIDIA MIG slice. */}}
{{- define "ray-cluster.isGPU" -}}
{{- if or (hasSuffix "gpu" .) (regexMatch "nvidia\\.com/mig-[0-9]+g\\.[0-9]+gb$" .) }}true{{ end -}}
{{- end -}}

{{/* Accelerators that are Ray custom resources, by Kubernetes resource name. */}}
{{- define "ray-cluster.customAccelerators" -}}
{{- toJson (dict "google.com/tpu" "TPU" "aws.amazon.com/neuroncore" "neuron_cores") -}}
{{- end -}}

{{/*
The group-level `resources` field (KubeRay v1.5) into rayStartParams; it
wins over what the container's resources would give. Mutates params.
Argument: dict params, resources, field.
*/}}
{{- define "ray-cluster.applyGroupResources" -}}
{{- $p := .params -}}
{{- $custom := dict -}}
{{- range $name, $quantity := .resources -}}
{{- $f := printf "%s.resources[%s]" $.field $name -}}
{{- $lower := lower $name -}}
{{- if eq $lower "cpu" -}}
{{- $_ := set $p "num-cpus" (include "ray-cluster.quantityValue" (dict "field" $f "v" $quantity)) -}}
{{- else if eq $lower "memory" -}}
{{- $_ := set $p "memory" (include "ray-cluster.quantityValue" (dict "field" $f "v" $quantity)) -}}
{{- else if include "ray-cluster.isGPU" $lower -}}
{{- $_ := set $p "num-gpus" (include "ray-cluster.quantityValue" (dict "field" $f "v" $quantity)) -}}
{{- else -}}
{{- $_ := set $custom $name (include "ray-cluster.quantityFloat" (dict "field" $f "v" $quantity) | float64) -}}
{{- end -}}
{{- end -}}
{{- if $custom }}{{ $_ := set $p "resources" (printf "'%s'" (toJson $custom)) }}{{ end -}}
{{- end -}}

{{/*
The group-level `labels` field (KubeRay v1.5) as ray start --labels, sorted
by key. Mutates params. Argument: dict params, labels.
*/}}
{{- define "ray-cluster.applyGroupLabels" -}}
{{- if .labels -}}
{{- $pairs := list -}}
{{- range $k, $v := .labels }}{{ $pairs = append $pairs (printf "%s=%s" $k $v) }}{{ end -}}
{{- $_ := set .params "labels" (join "," $pairs) -}}
{{- end -}}
{{- end -}}

{{/*
What the Ray container's resources add to rayStartParams when they are not
set there: num-cpus from the CPU limit, else the request; memory from the
memory limit; num-gpus from the first GPU limit by name; the first
TPU/Neuron limit by name as a custom resource, unless the `resources`
parameter already names one. A `resources` parameter that is not a JSON
object stops the accelerator step, as in KubeRay. Mutates params.
Argument: dict params, container, field.
*/}}
{{- define "ray-cluster.applyContainerResources" -}}
{{- $p := .params -}}
{{- $r := .container.resources | default dict -}}
{{- $limits := $r.limits | default dict -}}
{{- $requests := $r.requests | default dict -}}
{{- $field := printf "%s.resources" .field -}}
{{- if not (hasKey $p "num-cpus") -}}
{{- $cpu := "" -}}
{{- if and (hasKey $limits "cpu") (not (include "ray-cluster.quantityIsZero" (dict "field" (printf "%s.limits.cpu" $field) "v" $limits.cpu))) -}}
{{- $cpu = include "ray-cluster.quantityValue" (dict "field" (printf "%s.limits.cpu" $field) "v" $limits.cpu) -}}
{{- else if and (hasKey $requests "cpu") (not (include "ray-cluster.quantityIsZero" (dict "field" (printf "%s.requests.cpu" $field) "v" $requests.cpu))) -}}
{{- $cpu = include "ray-cluster.quantityValue" (dict "field" (printf "%s.requests.cpu" $field) "v" $requests.cpu) -}}
{{- end -}}
{{- if $cpu }}{{ $_ := set $p "num-cpus" $cpu }}{{ end -}}
{{- end -}}
{{- if and (not (hasKey $p "memory")) (hasKey $limits "memory") -}}
{{- $f := printf "%s.limits.memory" $field -}}
{{- if not (include "ray-cluster.quantityIsZero" (dict "field" $f "v" $limits.memory)) -}}
{{- $_ := set $p "memory" (include "ray-cluster.quantityValue" (dict "field" $f "v" $limits.memory)) -}}
{{- end -}}
{{- end -}}
{{- if $limits -}}
{{- $custom := dict -}}
{{- $parsed := true -}}
{{- if hasKey $p "resources" -}}
{{- $custom = trimAll "'\"` " (toString (index $p "resources")) | fromJson -}}
{{- /* fromJson reports a parse failure as a map with one "Error" key. */ -}}
{{- if and (eq (len $custom) 1) (hasKey $custom "Error") }}{{ $parsed = false }}{{ end -}}
{{- end -}}
{{- if $parsed -}}
{{- $accelerators := include "ray-cluster.customAccelerators" . | fromJson -}}
{{- $haveCustom := false -}}
{{- range $k, $rayName := $accelerators }}{{ if hasKey $custom $rayName }}{{ $haveCustom = true }}{{ end }}{{ end -}}
{{- range $name, $quantity := $limits -}}
{{- $f := printf "%s.limits[%s]" $field $name -}}
{{- $zero := include "ray-cluster.quantityIsZero" (dict "field" $f "v" $quantity) -}}
{{- if and (not (hasKey $p "num-gpus")) (include "ray-cluster.isGPU" $name) (not $zero) -}}
{{- $_ := set $p "num-gpus" (include "ray-cluster.quantityValue" (dict "field" $f "v" $quantity)) -}}
{{- end -}}
{{- if and (not $haveCustom) (hasKey $accelerators $name) (not $zero) -}}
{{- $rayName := index $accelerators $name -}}
{{- if not (hasKey $custom $rayName) -}}
{{- $_ := set $custom $rayName (include "ray-cluster.quantityFloat" (dict "field" $f "v" $quantity) | float64) -}}
{{- $_ = set $p "resources" (printf "'%s'" (toJson $custom)) -}}
{{- end -}}
{{- $haveCustom = true -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
