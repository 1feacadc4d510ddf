{{/*
Batch schedulers, as KubeRay v1.5's batch scheduler plugins hand Ray pods to
them when its operator runs with --batch-scheduler. The scheduler is an
operator-wide setting (value operator.batchScheduler); the RayCluster's
labels (value cluster.labels) say what to ask of it: queue, priority, gang
scheduling. With no scheduler nothing here changes a pod, whatever the
labels say, as under KubeRay without the flag.
*/}}

{{/* The batch scheduler: operator.batchScheduler, "" for none. */}}
{{- define "ray-cluster.batchScheduler" -}}
{{- $o := .Values.operator | default dict -}}
{{- $o.batchScheduler | default "" -}}
{{- end -}}

{{/* The RayCluster labels the operator passes (only those a scheduler reads), as JSON. */}}
{{- define "ray-cluster.clusterLabels" -}}
{{- $c := .Values.cluster | default dict -}}
{{- toJson ($c.labels | default dict) -}}
{{- end -}}

{{/* "true" when the RayCluster asks for gang scheduling: the label's key alone counts, as in KubeRay. */}}
{{- define "ray-cluster.gangScheduling" -}}
{{- if hasKey (include "ray-cluster.clusterLabels" . | fromJson) "ray.io/gang-scheduling-enabled" }}true{{ end -}}
{{- end -}}

{{/* The pods' schedulerName: the scheduler's name, except scheduler-plugins' default instance name. */}}
{{- define "ray-cluster.schedulerName" -}}
{{- $s := include "ray-cluster.batchScheduler" . -}}
{{- ternary "scheduler-plugins-scheduler" $s (eq $s "scheduler-plugins") -}}
{{- end -}}

{{/* Volcano's PodGroup name, which the pods name in their group-name annotation. */}}
{{- define "ray-cluster.volcanoPodGroupName" -}}
{{- printf "ray-%s-pg" (include "ray-cluster.name" .) -}}
{{- end -}}

{{/*
Hands one Ray pod template to the batch scheduler, in place, as KubeRay's
plugin does to each pod after building it: its labels and annotations win
over the template's, and schedulerName is always set.
  volcano            labels volcano.sh/queue-name, ray.io/priority-class-name
                     (when set on the RayCluster); annotations
                     scheduling.k8s.io/group-name (the PodGroup) and
                     volcano.sh/task-spec (the group)
  yunikorn           labels applicationId and queue (from
                     yunikorn.apache.org/app-id and /queue); with gang
                     scheduling, annotations yunikorn.apache.org/task-groups
                     and task-group-name
  kai-scheduler      label kai.scheduler/queue
  scheduler-plugins  with gang scheduling, label scheduling.x-k8s.io/pod-group
Argument: dict root, pod, group (headgroup or the worker group name).
*/}}
{{- define "ray-cluster.batchSchedulerPod" -}}
{{- $s := include "ray-cluster.batchScheduler" .root -}}
{{- if $s -}}
{{- $cl := include "ray-cluster.clusterLabels" .root | fromJson -}}
{{- $meta := .pod.metadata -}}
{{- $labels := $meta.labels | default dict -}}
{{- $annotations := $meta.annotations | default dict -}}
{{- $copy := dict -}}
{{- if eq $s "volcano" -}}
{{- $copy = dict "volcano.sh/queue-name" "volcano.sh/queue-name" "ray.io/priority-class-name" "ray.io/priority-class-name" -}}
{{- $_ := set $annotations "scheduling.k8s.io/group-name" (include "ray-cluster.volcanoPodGroupName" .root) -}}
{{- $_ = set $annotations "volcano.sh/task-spec" .group -}}
{{- else if eq $s "yunikorn" -}}
{{- $copy = dict "yunikorn.apache.org/app-id" "applicationId" "yunikorn.apache.org/queue" "queue" -}}
{{- if include "ray-cluster.gangScheduling" .root -}}
{{- $ca := include "ray-cluster.clusterAnnotations" .root | fromJson -}}
{{- $groups := index $ca "yunikorn.apache.org/task-groups" | default (include "ray-cluster.yunikornTaskGroups" .root) -}}
{{- $_ := set $annotations "yunikorn.apache.org/task-groups" $groups -}}
{{- $_ = set $annotations "yunikorn.apache.org/task-group-name" .group -}}
{{- end -}}
{{- else if eq $s "kai-scheduler" -}}
{{- $copy = dict "kai.scheduler/queue" "kai.scheduler/queue" -}}
{{- else if and (eq $s "scheduler-plugins") (include "ray-cluster.gangScheduling" .root) -}}
{{- $_ := set $labels "scheduling.x-k8s.io/pod-group" (include "ray-cluster.name" .root) -}}
{{- end -}}
{{- range $from, $to := $copy -}}
{{- with index $cl $from }}{{ $_ := set $labels $to . }}{{ end -}}
{{- end -}}
{{- $_ := set $meta "labels" $labels -}}
{{- if $annotations }}{{ $_ = set $meta "annotations" $annotations }}{{ end -}}
{{- $_ = set .pod.spec "schedulerName" (include "ray-cluster.schedulerName" .root) -}}
{{- end -}}
{{- end -}}

{{/*
YuniKorn's gang: one task group per Ray group, as JSON, as KubeRay builds
it. The head's has 1 member; a worker group's minReplicas x numOfHosts
members. minResource is one pod's resources (see podResources); the
group's nodeSelector, tolerations and affinity come from its template.
*/}}
{{- define "ray-cluster.yunikornTaskGroups" -}}
{{- $groups := list (include "ray-cluster.taskGroup" (dict "name" "headgroup" "members" 1 "template" .Values.headGroupSpec.template "field" "headGroupSpec") | fromJson) -}}
{{- range $i, $g := .Values.workerGroupSpecs | default list -}}
{{- $members := mul (int64 ($g.minReplicas | default 0)) (int64 ($g.numOfHosts | default 1)) -}}
{{- $groups = append $groups (include "ray-cluster.taskGroup" (dict "name" $g.groupName "members" $members "template" $g.template "field" (printf "workerGroupSpecs[%d]" $i)) | fromJson) -}}
{{- end -}}
{{- toJson $groups -}}
{{- end -}}

{{/* One YuniKorn task group as JSON. Argument: dict name, members, template, field. */}}
{{- define "ray-cluster.taskGroup" -}}
{{- $spec := .template.spec -}}
{{- $minResource := dict -}}
{{- range $name, $milli := include "ray-cluster.podResources" (dict "spec" $spec "field" .field) | fromJson -}}
{{- $_ := set $minResource $name (include "ray-cluster.milliQuantity" $milli) -}}
{{- end -}}
{{- $g := dict "name" .name "minMember" (int64 .members) "minResource" $minResource -}}
{{- with $spec.nodeSelector }}{{ $_ := set $g "nodeSelector" . }}{{ end -}}
{{- with $spec.tolerations }}{{ $_ := set $g "tolerations" . }}{{ end -}}
{{- if and (hasKey $spec "affinity") (not (kindIs "invalid" $spec.affinity)) }}{{ $_ := set $g "affinity" $spec.affinity }}{{ end -}}
{{- toJson $g -}}
{{- end -}}

{{/*
One pod's resources as KubeRay counts them for a gang: per container, the
requests, with limits for the names it requests nothing of; summed over
the containers (init containers not counted). JSON name -> thousandths, as
decimal strings: JSON numbers would round past 2^53.
Argument: dict spec (a pod spec), field.
*/}}
{{- define "ray-cluster.podResources" -}}
{{- $total := dict -}}
{{- range $i, $c := .spec.containers -}}
{{- $r := $c.resources | default dict -}}
{{- $want := merge (deepCopy ($r.requests | default dict)) ($r.limits | default dict) -}}
{{- range $name, $q := $want -}}
{{- $milli := include "ray-cluster.quantityMilli" (dict "field" (printf "%s.template.spec.containers[%d].resources[%s]" $.field $i $name) "v" $q) -}}
{{- $_ := set $total $name (toString (add (int64 (index $total $name | default "0")) (int64 $milli))) -}}
{{- end -}}
{{- end -}}
{{- toJson $total -}}
{{- end -}}

{{/*
A quantity in thousandths, rounded up, as a decimal string (enough for
CPU's millicores; exact for anything coarser). Argument: dict field, v.
*/}}
{{- define "ray-cluster.quantityMilli" -}}
{{- $q := include "ray-cluster.quantityParts" . | fromJson -}}
{{- if gt (mulf (include "ray-cluster.quantityFloat" . | float64) 1000.0) 9.0e18 -}}
{{- fail (printf "%s: %q is too large" .field (toString .v)) -}}
{{- end -}}
{{- $n := int64 $q.int -}}
{{- $e10 := add (sub (int $q.p10) (int $q.scale)) 3 -}}
{{- $p2 := int $q.p2 -}}
{{- if ge $e10 0 -}}
{{- $n = mul $n (include "ray-cluster.pow" (dict "base" 10 "n" $e10) | int64) (include "ray-cluster.pow" (dict "base" 2 "n" $p2) | int64) -}}
{{- else if lt $e10 -18 -}}
{{- $n = ternary 0 1 (eq $n (int64 0)) -}}
{{- else -}}
{{- $d := sub 0 $e10 -}}
{{- $c := min $d $p2 -}}
{{- $num := mul $n (include "ray-cluster.pow" (dict "base" 2 "n" (sub $p2 $c)) | int64) -}}
{{- $den := mul (include "ray-cluster.pow" (dict "base" 2 "n" (sub $d $c)) | int64) (include "ray-cluster.pow" (dict "base" 5 "n" $d) | int64) -}}
{{- $n = div (add $num $den -1) $den -}}
{{- end -}}
{{- $n -}}
{{- end -}}

{{/*
Thousandths back to a quantity: "1500m", "4", or with the largest binary
suffix that is exact from Mi up ("3Gi"), so memory reads as written.
*/}}
{{- define "ray-cluster.milliQuantity" -}}
{{- $n := int64 . -}}
{{- if ne (mod $n 1000) 0 -}}
{{- printf "%dm" $n -}}
{{- else -}}
{{- $v := div $n 1000 -}}
{{- $out := printf "%d" $v -}}
{{- range list (list "Ti" 40) (list "Gi" 30) (list "Mi" 20) -}}
{{- $unit := include "ray-cluster.pow" (dict "base" 2 "n" (index . 1)) | int64 -}}
{{- if and (eq $out (printf "%d" $v)) (gt $v 0) (eq (mod $v $unit) 0) -}}
{{- $out = printf "%d%s" (div $v $unit) (index . 0) -}}
{{- end -}}
{{- end -}}
{{- $out -}}
{{- end -}}
{{- end -}}

{{/*
Worker pods the cluster wants, as KubeRay counts a gang's minMember:
per group replicas clamped to [minReplicas, maxReplicas] (maxReplicas when
they cross), times numOfHosts; 0 for a suspended group.
*/}}
{{- define "ray-cluster.desiredWorkers" -}}
{{- $count := int64 0 -}}
{{- range .Values.workerGroupSpecs | default list -}}
{{- if not .suspend -}}
{{- $min := int64 (.minReplicas | default 0) -}}
{{- $max := int64 2147483647 -}}
{{- if and (hasKey . "maxReplicas") (not (kindIs "invalid" .maxReplicas)) }}{{ $max = int64 .maxReplicas }}{{ end -}}
{{- $r := $max -}}
{{- if le $min $max }}{{ $r = max $min (min $max (int64 (.replicas | default $min))) }}{{ end -}}
{{- $count = add $count (mul $r (int64 (.numOfHosts | default 1))) -}}
{{- end -}}
{{- end -}}
{{- $count -}}
{{- end -}}

{{/*
The resources the cluster wants, as KubeRay's PodGroup asks for them: the
head pod's, plus each group's pod x numOfHosts x replicas, suspended groups
left out. KubeRay counts `replicas` as written here, not clamped to
[minReplicas, maxReplicas] as the pod count is; so does the chart, so that
the PodGroup asks for what KubeRay's would. JSON name -> quantity.
*/}}
{{- define "ray-cluster.desiredResources" -}}
{{- $total := include "ray-cluster.podResources" (dict "spec" .Values.headGroupSpec.template.spec "field" "headGroupSpec") | fromJson -}}
{{- range $i, $g := .Values.workerGroupSpecs | default list -}}
{{- if not $g.suspend -}}
{{- $times := mul (int64 ($g.replicas | default 0)) (int64 ($g.numOfHosts | default 1)) -}}
{{- range $name, $milli := include "ray-cluster.podResources" (dict "spec" $g.template.spec "field" (printf "workerGroupSpecs[%d]" $i)) | fromJson -}}
{{- $_ := set $total $name (toString (add (int64 (index $total $name | default "0")) (mul (int64 $milli) $times))) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- $out := dict -}}
{{- range $name, $milli := $total }}{{ $_ := set $out $name (include "ray-cluster.milliQuantity" $milli) }}{{ end -}}
{{- toJson $out -}}
{{- end -}}
