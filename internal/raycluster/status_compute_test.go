/*
Copyright 2026 The ray-ha-operator Authors.
*/

package raycluster

import (
	"errors"
	"math"
	"reflect"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
)

func workerPod(name string, opts ...podOpt) corev1.Pod {
	p := headPod(opts...)
	p.Name = name
	p.Labels = map[string]string{LabelCluster: "rc", LabelNodeType: NodeTypeWork}
	return *p
}

func headService(clusterIP string) *corev1.Service {
	return &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "rc-head-svc", Namespace: "ns"},
		Spec: corev1.ServiceSpec{ClusterIP: clusterIP, Ports: []corev1.ServicePort{
			{Name: "gcs", Port: 6379}, {Name: "dashboard", Port: 8265}, {Port: 10001},
		}}}
}

func group(replicas, lo, hi *int32, suspend bool) rayv1.WorkerGroupSpec {
	return rayv1.WorkerGroupSpec{GroupName: "g", Replicas: replicas, MinReplicas: lo, MaxReplicas: hi, Suspend: ptr.To(suspend)}
}

func TestHeadPodReady(t *testing.T) {
	tests := map[string]struct {
		pod                    *corev1.Pod
		wantStatus             metav1.ConditionStatus
		wantReason, wantPrefix string
	}{
		"no pod":  {pod: nil, wantStatus: metav1.ConditionFalse, wantReason: rayv1.ReasonHeadPodNotFound},
		"ready":   {pod: headPod(), wantStatus: metav1.ConditionTrue, wantReason: rayv1.ReasonHeadPodRunningAndReady},
		"pending": {pod: headPod(phase(corev1.PodPending), noConditions()), wantStatus: metav1.ConditionFalse, wantReason: rayv1.ReasonUnknown},
		"crash loop: the container's reason, not ContainersNotReady": {
			pod:        headPod(notReady(-5), rayWaiting("CrashLoopBackOff")),
			wantStatus: metav1.ConditionFalse, wantReason: "CrashLoopBackOff",
		},
		"terminated container": {
			pod:        headPod(notReady(-5), rayTerminated(-5, 1)),
			wantStatus: metav1.ConditionFalse, wantReason: "Error",
		},
		"being deleted": {
			pod:        headPod(deleting(-1, 30)),
			wantStatus: metav1.ConditionFalse, wantReason: "PodTerminating",
		},
		"a reason a condition cannot carry becomes Unknown": {
			pod:        headPod(notReady(-5), rayWaiting("bad reason!")),
			wantStatus: metav1.ConditionFalse, wantReason: rayv1.ReasonUnknown,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			s, r, _ := headPodReady(tc.pod)
			if s != tc.wantStatus || r != tc.wantReason {
				t.Errorf("got %s/%s, want %s/%s", s, r, tc.wantStatus, tc.wantReason)
			}
		})
	}
}

func TestSetWorkerCounts(t *testing.T) {
	tests := map[string]struct {
		spec            rayv1.RayClusterSpec
		workers         []corev1.Pod
		ready, avail    int32
		desired, lo, hi int32
	}{
		"clamped as the chart does, Running and Ready counted": {
			spec: rayv1.RayClusterSpec{WorkerGroupSpecs: []rayv1.WorkerGroupSpec{
				group(ptr.To[int32](5), ptr.To[int32](1), ptr.To[int32](3), false), // 3
				group(nil, ptr.To[int32](2), ptr.To[int32](4), false),              // min: 2
				group(ptr.To[int32](0), ptr.To[int32](1), ptr.To[int32](9), false), // 1
			}},
			workers: []corev1.Pod{
				workerPod("w1"), workerPod("w2", notReady(-3)), workerPod("w3", phase(corev1.PodPending)),
				workerPod("w4", deleting(-1, 30)),
			},
			ready: 1, avail: 2, desired: 6, lo: 4, hi: 16,
		},
		"suspended group and unbounded max": {
			spec: rayv1.RayClusterSpec{WorkerGroupSpecs: []rayv1.WorkerGroupSpec{
				group(ptr.To[int32](2), nil, nil, true),
				group(ptr.To[int32](2), nil, ptr.To[int32](math.MaxInt32), false),
			}},
			desired: 2, lo: 0, hi: math.MaxInt32,
		},
		"multi-host groups count pods: replicas times numOfHosts": {
			spec: rayv1.RayClusterSpec{WorkerGroupSpecs: []rayv1.WorkerGroupSpec{
				hosts(group(ptr.To[int32](5), ptr.To[int32](1), ptr.To[int32](3), false), 4), // 3 × 4
				hosts(group(ptr.To[int32](1), nil, ptr.To[int32](2), false), 0),              // 0 counts as 1
			}},
			desired: 13, lo: 4, hi: 14,
		},
		"a suspended group counts in neither min nor max, as KubeRay": {
			spec: rayv1.RayClusterSpec{WorkerGroupSpecs: []rayv1.WorkerGroupSpec{
				group(ptr.To[int32](2), ptr.To[int32](2), ptr.To[int32](5), true),
				group(ptr.To[int32](1), ptr.To[int32](1), ptr.To[int32](3), false),
			}},
			desired: 1, lo: 1, hi: 3,
		},
		"suspended cluster desires nothing": {
			spec: rayv1.RayClusterSpec{Suspend: ptr.To(true), WorkerGroupSpecs: []rayv1.WorkerGroupSpec{
				group(ptr.To[int32](2), ptr.To[int32](1), ptr.To[int32](3), false),
			}},
			desired: 0, lo: 1, hi: 3,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			st := &rayv1.RayClusterStatus{ReadyWorkerReplicas: 99}
			setWorkerCounts(st, statusFacts{Spec: &tc.spec, Workers: tc.workers})
			got := []int32{st.ReadyWorkerReplicas, st.AvailableWorkerReplicas, st.DesiredWorkerReplicas, st.MinWorkerReplicas, st.MaxWorkerReplicas}
			want := []int32{tc.ready, tc.avail, tc.desired, tc.lo, tc.hi}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("ready/available/desired/min/max = %v, want %v", got, want)
			}
		})
	}
}

func TestHeadInfoAndEndpoints(t *testing.T) {
	head := headPod()
	head.Status.PodIP = "10.1.2.3"
	tests := map[string]struct {
		f    statusFacts
		want rayv1.HeadInfo
	}{
		"headless: the pod IP": {
			f:    statusFacts{Head: head, ServiceName: "rc-head-svc", Service: headService("None")},
			want: rayv1.HeadInfo{PodName: "rc-head-0", PodIP: "10.1.2.3", ServiceName: "rc-head-svc", ServiceIP: "10.1.2.3"},
		},
		"cluster IP": {
			f:    statusFacts{Head: head, ServiceName: "rc-head-svc", Service: headService("10.96.0.7")},
			want: rayv1.HeadInfo{PodName: "rc-head-0", PodIP: "10.1.2.3", ServiceName: "rc-head-svc", ServiceIP: "10.96.0.7"},
		},
		"no head pod, no Service yet": {
			f:    statusFacts{ServiceName: "rc-head-svc"},
			want: rayv1.HeadInfo{ServiceName: "rc-head-svc"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := headInfo(tc.f); got != tc.want {
				t.Errorf("headInfo = %+v, want %+v", got, tc.want)
			}
		})
	}
	want := map[string]string{"gcs": "6379", "dashboard": "8265", "10001": "10001"}
	if got := endpoints(headService("None")); !reflect.DeepEqual(got, want) {
		t.Errorf("endpoints = %v, want %v", got, want)
	}
}

func TestComputeStatus(t *testing.T) {
	oneWorker := rayv1.RayClusterSpec{WorkerGroupSpecs: []rayv1.WorkerGroupSpec{group(ptr.To[int32](1), nil, nil, false)}}
	provisioned := []metav1.Condition{{Type: string(rayv1.RayClusterProvisioned), Status: metav1.ConditionTrue,
		Reason: rayv1.ReasonAllPodRunningAndReadyFirstTime, LastTransitionTime: mt(-100)}}
	tests := map[string]struct {
		spec        rayv1.RayClusterSpec
		conditions  []metav1.Condition
		head        *corev1.Pod
		workers     []corev1.Pod
		wantState   rayv1.ClusterState
		wantProv    metav1.ConditionStatus
		wantReason  bool
		wantHeadRdy metav1.ConditionStatus
	}{
		"starting": {
			spec: oneWorker, head: headPod(phase(corev1.PodPending), noConditions()),
			wantState: "", wantProv: metav1.ConditionFalse, wantHeadRdy: metav1.ConditionFalse,
		},
		"all ready: ready and provisioned": {
			spec: oneWorker, head: headPod(), workers: []corev1.Pod{workerPod("w1")},
			wantState: rayv1.ClusterStateReady, wantProv: metav1.ConditionTrue, wantHeadRdy: metav1.ConditionTrue,
		},
		"head down after provisioning: not ready, provisioned stays True": {
			spec: oneWorker, conditions: provisioned, head: nil, workers: []corev1.Pod{workerPod("w1")},
			wantState: "", wantReason: true, wantProv: metav1.ConditionTrue, wantHeadRdy: metav1.ConditionFalse,
		},
		"a worker down after provisioning": {
			spec: oneWorker, conditions: provisioned, head: headPod(), workers: []corev1.Pod{workerPod("w1", notReady(-2))},
			wantState: "", wantReason: true, wantProv: metav1.ConditionTrue, wantHeadRdy: metav1.ConditionTrue,
		},
		"suspended with pods gone": {
			spec:       rayv1.RayClusterSpec{Suspend: ptr.To(true)},
			conditions: provisioned,
			wantState:  rayv1.ClusterStateSuspended, wantProv: metav1.ConditionFalse, wantHeadRdy: metav1.ConditionFalse,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			st := &rayv1.RayClusterStatus{Conditions: append([]metav1.Condition(nil), tc.conditions...)}
			f := statusFacts{Spec: &tc.spec, Generation: 3, Head: tc.head, Workers: tc.workers,
				ServiceName: "rc-head-svc", Service: headService("None"), Now: mt(0)}
			if !computeStatus(st, f) {
				t.Fatal("first computation reported no change")
			}
			if st.State != tc.wantState || (st.Reason != "") != tc.wantReason {
				t.Errorf("state %q reason %q, want %q (reason set: %v)", st.State, st.Reason, tc.wantState, tc.wantReason)
			}
			if !conditionIs(st, rayv1.RayClusterProvisioned, tc.wantProv) || !conditionIs(st, rayv1.HeadPodReady, tc.wantHeadRdy) {
				t.Errorf("conditions %+v", st.Conditions)
			}
			if st.LastUpdateTime == nil || !st.LastUpdateTime.Equal(ptr.To(mt(0))) {
				t.Errorf("lastUpdateTime = %v, want now", st.LastUpdateTime)
			}
			// Steady state: the same facts later change nothing, not even lastUpdateTime.
			before := st.DeepCopy()
			f.Now = mt(60)
			if computeStatus(st, f) || !reflect.DeepEqual(before, st) {
				t.Errorf("a steady state changed the status: %+v", st)
			}
		})
	}
}

// TestSetReplicaFailure: ReplicaFailure has one writer, which weighs the
// head delete handed over by the head hook, a refused head create and the
// worker ReplicaSets.
func TestSetReplicaFailure(t *testing.T) {
	failing := appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: "rc-small-worker"},
		Status: appsv1.ReplicaSetStatus{Conditions: []appsv1.ReplicaSetCondition{{
			Type: appsv1.ReplicaSetReplicaFailure, Status: corev1.ConditionTrue, Reason: "FailedCreate", Message: "exceeded quota"}}}}
	healthy := appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: "rc-small-worker"}}
	headFailure := metav1.Condition{Type: string(rayv1.ReplicaFailure), Status: metav1.ConditionTrue, Reason: rayv1.ReasonFailedDeleteHeadPod, Message: "deleting head pod rc-head-0 failed: forbidden"}
	workerFailure := metav1.Condition{Type: string(rayv1.ReplicaFailure), Status: metav1.ConditionTrue, Reason: rayv1.ReasonFailedCreateWorkerPod}
	createRefused := metav1.Condition{Type: string(rayv1.ReplicaFailure), Status: metav1.ConditionTrue, Reason: rayv1.ReasonFailedCreateHeadPod}
	head := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "rc-head-0"}}
	quota := `pods "rc-head-0" is forbidden: exceeded quota: pods, requested: pods=1, used: pods=2, limited: pods=2`
	tests := map[string]struct {
		start      []metav1.Condition
		f          statusFacts
		headReady  bool
		wantReason string // "": absent
		wantMsg    string
	}{
		"no failure":                      {f: statusFacts{Head: head, ReplicaSets: []appsv1.ReplicaSet{healthy}}},
		"a ReplicaSet cannot create pods": {f: statusFacts{Head: head, ReplicaSets: []appsv1.ReplicaSet{healthy, failing}}, wantReason: rayv1.ReasonFailedCreateWorkerPod, wantMsg: "ReplicaSet rc-small-worker: exceeded quota"},
		"cleared once it can":             {start: []metav1.Condition{workerFailure}, f: statusFacts{Head: head, ReplicaSets: []appsv1.ReplicaSet{healthy}}},
		"a head delete failed now": {f: statusFacts{Head: head, ReplicaSets: []appsv1.ReplicaSet{failing},
			HeadDelete: HeadDeleteAttempt{Tried: true, Pod: "rc-head-0", Err: errors.New("forbidden")}},
			wantReason: rayv1.ReasonFailedDeleteHeadPod, wantMsg: "deleting head pod rc-head-0 failed: forbidden"},
		"an earlier delete failure is kept over a worker's": {start: []metav1.Condition{headFailure}, f: statusFacts{Head: head, ReplicaSets: []appsv1.ReplicaSet{failing}},
			wantReason: rayv1.ReasonFailedDeleteHeadPod, wantMsg: headFailure.Message},
		"an earlier delete failure ends with a delete that went through": {start: []metav1.Condition{headFailure},
			f: statusFacts{Head: head, HeadDelete: HeadDeleteAttempt{Tried: true, Pod: "rc-head-0"}}},
		"an earlier delete failure ends with a Ready head": {start: []metav1.Condition{headFailure}, f: statusFacts{Head: head}, headReady: true},
		"the head's create is refused": {f: statusFacts{HeadCreateRefused: quota, ReplicaSets: []appsv1.ReplicaSet{failing}},
			wantReason: rayv1.ReasonFailedCreateHeadPod, wantMsg: "the head StatefulSet cannot create the head pod: " + quota},
		"a refusal ends when the head exists": {start: []metav1.Condition{createRefused}, f: statusFacts{Head: head, HeadCreateRefused: quota}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			st := &rayv1.RayClusterStatus{Conditions: tc.start}
			tc.f.Now = mt(0)
			setReplicaFailure(st, tc.f, tc.headReady)
			c := findCondition(st, rayv1.ReplicaFailure)
			switch {
			case tc.wantReason == "" && c != nil:
				t.Errorf("ReplicaFailure %+v, want none", c)
			case tc.wantReason != "" && (c == nil || c.Reason != tc.wantReason || c.Status != metav1.ConditionTrue):
				t.Errorf("ReplicaFailure %+v, want True/%s", c, tc.wantReason)
			case tc.wantMsg != "" && c.Message != tc.wantMsg:
				t.Errorf("message %q, want %q", c.Message, tc.wantMsg)
			}
		})
	}
}

// hosts sets a group's numOfHosts.
func hosts(g rayv1.WorkerGroupSpec, n int32) rayv1.WorkerGroupSpec {
	g.NumOfHosts = n
	return g
}
