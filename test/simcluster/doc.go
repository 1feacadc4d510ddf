// Package simcluster runs a simulated Kubernetes cluster on one machine for
// tests and demos: real etcd, kube-apiserver, kube-controller-manager and
// kube-scheduler (the binaries of `make testbin`), and kwok playing the
// kubelet of every node. Workloads behave as in a real cluster — the
// scheduler binds pods, kwok marks them Running and Ready, Deployments and
// StatefulSets replace lost pods — only no container runs.
//
// # How it works
//
// Start creates a work folder (a temporary one unless Options.Dir is set)
// holding a fresh CA and API server certificate, an RSA key that signs
// ServiceAccount tokens, a static token file whose users are all in
// system:masters (the admin, the controller manager, the scheduler, kwok),
// one kubeconfig per user, etcd's data and every component's log under
// logs/. Components listen on free loopback ports; the controller manager
// and scheduler serve no port at all. The API server authorizes with RBAC,
// so a test can run an operator under a ServiceAccount token (TokenRequest
// works), while Kubeconfig, RESTConfig and Client act as the admin.
//
// Each node is a Node object created by Start (label type=kwok, no taint,
// capacity for about a thousand small pods, its own pod CIDR) and its own
// kwok process, selected by the annotation kwok.x-k8s.io/node=<name>.
// KillNode SIGKILLs that process: the node's lease stops, exactly like a
// machine that lost power. RestartNode brings it back; AddNode adds one.
// RestartAPIServer kills kube-apiserver and starts it again on the same
// address and etcd, so every client loses the API and gets it back.
// A kube-controller-manager or kube-scheduler that exits by itself is
// started again 2 s later, as a kubelet restarts a control plane's static
// pods; kube-scheduler relies on that when it finds its cache inconsistent
// (it logs "Scheduler cache is corrupted" and exits).
//
// Each kwok process has, beside it, the status sync a kubelet does: kwok
// reports its node Ready only when it takes over the lease or sees the
// node change, and drops a report for good on an API error it does not
// retry. So every 5 s a node that is not Ready while its kwok keeps the
// lease renewed gets the annotation StatusSyncAnnotation touched, which
// makes kwok look again (logged: "touched it so kwok plays its stages
// again"). A node whose lease stopped, a lost node, is left alone.
// NodeReport says in a few lines why a node is not Ready (kwok process,
// lease, condition, taints, kwok's last errors), for failure messages.
//
// Every process runs in its own process group with a parent-death signal,
// so nothing survives the test binary, even when it is killed; Stop kills
// the groups and waits for them.
//
// # Timing knobs
//
//   - NodeLeaseDuration (default 4 s): kwok renews each node's Lease every
//     quarter of it.
//   - NodeMonitorGracePeriod (default 5 s): the node lifecycle controller,
//     checking every NodeMonitorPeriod (default 1 s), marks a node NotReady (Unknown) and taints it
//     node.kubernetes.io/unreachable:NoExecute when its lease is older than
//     this. Keep it well above a quarter of the lease duration, or healthy
//     nodes flap, the controller sees a disrupted zone and stops evicting.
//   - NotReadyTolerationSeconds and UnreachableTolerationSeconds (default
//     2 s each, Kubernetes' own default is 300 s): added by the API server
//     to pods without such tolerations; after them the taint eviction
//     controller deletes the pods of a lost node.
//   - The controller manager taints up to one lost node per second
//     (--node-eviction-rate=1; Kubernetes' default is one per ten seconds).
//   - ProductionProfile sets Kubernetes' own defaults instead: the node
//     lifecycle controller's grace and period as the built
//     kube-controller-manager's --help states them (50 s and 5 s), the
//     kubelet's 40 s lease and the 300 s tolerations. NodeCapacity (default
//     room for a thousand small pods) is what makes a cluster full.
//
// So with the defaults a killed node is NotReady about 5 s later, and its
// pods are Terminating about 2 s after that. Since no kubelet confirms the
// deletion, they stay Terminating (deletionTimestamp set, still bound to
// the node) until the node comes back or someone force-deletes them: the
// "lost node" case. Eviction needs a mostly healthy cluster: when every
// node is down, or more than two nodes are down and they are at least 55%
// of all, the controller assumes a wider outage and (in clusters of up to
// 50 nodes) evicts nothing.
//
// # Image pulls (a model)
//
// kwok starts a bound pod at once, as if every image were on every node.
// Options.ImagePulls turns on a MODEL of the kubelets' image pulls: a
// per-node image cache and a cold-pull time per image (ImagePullModel,
// imagepull.go, plain Go that a process kubelet can reuse). kwok's pod-ready
// stage then also requires the annotation ImagesPulledAnnotation, which an
// image-pull controller in the cluster (imagepullcontroller.go, polling
// every 100 ms) sets once the modelled pulls of the pod's images onto its
// node are done; the node then has the images, lists them in
// node.status.images, and later pods of those images start at once. Pulls
// run one at a time per node, as with the kubelet's default
// serializeImagePulls. The annotation's value says what the pod waited for
// ("modelled cold pull 1m0s: <image>" or "images on the node"). The times
// are the configured ones, not a registry's: every figure that uses them
// must say "modelled". Off by default.
//
// With Options.DisregardStatusSelector, kwok ignores pods annotated
// DisregardStatusAnnotation="true", so a test can write their status
// (e.g. a failing readiness) itself; such pods must be deleted with a grace
// period of zero, since kwok will not finish their deletion.
//
// With Options.AuditPolicy, the API server writes an audit log (JSON
// lines, at AuditLogPath) by that policy; ComponentPID gives a component's
// process id. The bench uses both to measure two operators and
// kube-controller-manager the same way, from outside.
//
// Use StartForTest in tests (skipped with -short; logs dumped on failure)
// and `go run ./hack/simcluster up` for a cluster to explore with kubectl.
package simcluster
