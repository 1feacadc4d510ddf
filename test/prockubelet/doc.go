// Package prockubelet is a kubelet for simulated nodes that runs each pod's
// container as real local processes. Together with the simulated cluster of
// test/simcluster (real kube-apiserver, kube-controller-manager and
// kube-scheduler) it lets the operator's own failover drive real Ray: the
// scheduler binds a pod to a process-kubelet node, the kubelet starts the
// pod's rendered command, runs its readiness probe and reports its status;
// killing the kubelet loses the node, its processes and its heartbeats at
// once, and Kubernetes and the operator react as they would to a lost
// machine.
//
// # What it does, as a kubelet does
//
//   - Node: creates its Node object (Ready, the capacity of the simulated
//     nodes, the caller's labels, an InternalIP of its own), renews its Lease
//     in kube-node-lease every second and the Ready condition's heartbeat
//     every few seconds.
//   - Pods: watches the pods bound to its node. For each one it runs the init
//     containers to completion in order, then its containers, each as a
//     process group (test/ray StartPod), with the command, args and env
//     resolved like a kubelet: literal values, fieldRef, secretKeyRef and
//     configMapKeyRef (read from the API), and $(VAR) references in command,
//     args and env values expanded from the container's env.
//   - Status: phase, podIP, hostIP, startTime, container statuses with
//     restartCount and the last termination, and the Ready condition from
//     the container's readiness probe, run on its own schedule
//     (initialDelaySeconds, periodSeconds, thresholds).
//   - Restarts: an exited container is started again as the pod's
//     restartPolicy says (Always, OnFailure; under Never the pod ends
//     Succeeded or Failed), after a back-off of one second doubling up to
//     ten (the real kubelet starts at ten seconds and goes up to five
//     minutes).
//   - Termination: a pod with a deletionTimestamp has its processes killed
//     and is then deleted with a grace period of zero, as a kubelet finishing
//     termination does; a pod removed from the API has its processes killed.
//     The kill is SIGKILL at once, not SIGTERM and the grace period.
//
// Kill is the node's loss: every process the kubelet started is SIGKILLed
// and every heartbeat and status write stops at once. The node lifecycle
// controller then marks the Node NotReady, as it does for a simulated node
// whose kwok process is killed.
//
// # Deviations from a real node
//
// There are no containers and no cluster DNS on one machine, so:
//
//   - Pod IPs: every pod gets a loopback address derived from its UID
//     (PodIP), so a replacement pod of the same name (a StatefulSet's
//     <name>-head-0 on another node) gets a new address, as on a real pod
//     network. The endpoints controllers refuse loopback addresses, so
//     Services get no endpoints.
//   - Names: there is no cluster DNS server. ClusterDNS stands in for it for
//     headless Services (the chart's head Service): it keeps a hosts file
//     with each such Service's name and the addresses of the pods it
//     publishes (the EndpointSlice controller's rule, read from the pods),
//     rewritten as they change; nodes with Config.HostsFile mount it at
//     /etc/hosts in each container's own mount namespace. A process that
//     resolves the name again (Ray's gRPC channel to the GCS, after the
//     connection broke) then reaches the new head at its new address, as
//     it would through CoreDNS, minus CoreDNS's cache. Services with a
//     cluster IP get no record (there is no Service network).
//   - Filesystem: each pod instance gets a fresh folder of its own, given to
//     its processes as HOME and TMPDIR, standing in for the container's own
//     filesystem; Ray's default temp dir ($TMPDIR/ray) is then per pod, so a
//     replaced head never sees its predecessor's session files.
//   - Images: there are none; every container runs from the machine's
//     programs. With Config.ImagePulls a node waits for the MODELLED cold
//     pull of a pod's images it does not have (simcluster.ImagePullModel:
//     a per-node cache, a configured pull time per image, one pull at a
//     time per node) before it starts the pod's containers; a model, not a
//     measurement. node.status.images is not reported.
//   - Users: a container whose securityContext (its own or the pod's) sets
//     runAsUser runs as that UID, with runAsGroup or else group 0 (what a
//     runtime gives a UID the image's /etc/passwd does not know, as with
//     OpenShift's arbitrary UIDs), supplementalGroups and fsGroup as
//     supplementary groups, all capabilities dropped when it drops ALL and
//     no_new_privs when allowPrivilegeEscalation is false (setpriv, in a
//     mount namespace of its own; this needs root). Its pod's folder is
//     then laid out as the image's filesystem: HOME belongs to the image's
//     user (Config.ImageUser) and is not writable, the temp folder is 1777
//     like /tmp, the working directory is HOME (the Ray image's WORKDIR);
//     Config.ImagePaths (the Python under /root) are made visible to it. A
//     container without runAsUser runs as the kubelet's own user: the
//     image's USER is not known here. Seccomp and SELinux are not applied;
//     exec probes run as the kubelet's user.
//   - All containers of a pod run, but only the first one's state is
//     reported in the pod's status and probed; liveness and startup probes
//     are not run; resources are not enforced.
//   - ServiceAccount: only with Config.ServiceAccountTokens does a node
//     project the pod's token (TokenRequest, bound to the pod), the API
//     server's CA and the namespace at the in-cluster path, each container
//     in a mount namespace of its own (the one of HostsFile, when set) (over a tmpfs at /run, which hides the
//     machine's /run from it), and KUBERNETES_SERVICE_HOST/_PORT/_PORT_HTTPS
//     name the API server itself (there is no Service network).
//   - Everything a pod needs to share the machine with other pods is set in
//     the pod spec, as a user could: for Ray, node-ip-address $(MY_POD_IP)
//     (an env var from status.podIP), the ports, and a temp-dir for the
//     workers, which otherwise take the head's temp dir path (the same path
//     in a real cluster, but in another filesystem).
//
// Exec runs a command in a pod's environment, as `kubectl exec` would.
package prockubelet
