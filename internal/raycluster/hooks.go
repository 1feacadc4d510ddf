/*
Copyright 2026 The ray-ha-operator Authors.
*/

package raycluster

import (
	"context"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
	"github.com/ray-ha-operator/ray-ha-operator/internal/helm"
)

// This file is the only one that assembles the Helm hook lists for
// RayCluster; each hook lives in its own file.

// Deps are what the RayCluster hooks need, built once in main.
type Deps struct {
	// Client writes (head pod deletes). Reader is the manager's cache, for
	// every read a reconcile makes (pods, nodes, Services); APIReader reads
	// from the API server, for the rare steps that must not trust a cache
	// (handing workers over from an earlier chart's Deployments).
	Client    client.Client
	Reader    client.Reader
	APIReader client.Reader
	Recorder  EventRecorder
	Clock     clock.PassiveClock
	// Policy is the operator-wide head-replacement policy (flags).
	Policy  Policy
	Metrics *Metrics
	// FleetBrake is the one brake every head force-delete asks first
	// (nil: none).
	FleetBrake *FleetBrake
	// BatchScheduler is the operator-wide batch scheduler (flag), passed
	// to the chart with the RayCluster labels it reads.
	BatchScheduler BatchScheduler

	// RedisPreHooks run first: the Redis reachability check hands its
	// verdict to the head health hook through the reconcile's Observation.
	RedisPreHooks []helm.PreReconcileHook
	// UninstallHooks run around uninstall (the Redis clean-up).
	UninstallHooks []helm.UninstallHook
}

// Hooks are the RayCluster hook lists for helm.Options.
type Hooks struct {
	// Observer gathers each reconcile's Observation once for every hook.
	Observer     helm.Observer
	Pre          []helm.PreReconcileHook
	Post         []helm.PostReconcileHook
	Projectors   []helm.StatusProjector
	Uninstall    []helm.UninstallHook
	ValuesMapper helm.ValuesMapper
}

// NewHooks assembles the hooks in their order: the Observer first (what
// every hook sees), then the pre-reconcile hooks, and the status projection
// at the end of every reconcile (see docs/architecture.md for which hook
// writes which condition). Head health runs before
// validation on purpose: a spec edit that fails validation stops the chart
// apply, but must not stop the recovery of a head that is down. The worker
// hand-over and the opt-in Recreate run last: they touch nothing for a
// spec that will not be applied, and Recreate never deletes a pod whose
// group's hand-over holds the apply back.
// The foreign-head check follows validation: a head left by KubeRay stops
// the apply before anything would start a head beside it.
func NewHooks(d Deps) Hooks {
	if d.Clock == nil {
		d.Clock = clock.RealClock{}
	}
	pre := append([]helm.PreReconcileHook{}, d.RedisPreHooks...)
	pre = append(pre,
		&HeadHealthHook{Reader: d.Reader, Writer: d.Client, Recorder: d.Recorder, Clock: d.Clock, Policy: d.Policy, Metrics: d.Metrics,
			FleetBrake: d.FleetBrake},
		&HeadSpareHook{Reader: d.Reader, APIReader: d.APIReader, Writer: d.Client, Clock: d.Clock, Policy: d.Policy},
		&ValidationHook{Clock: d.Clock},
		&ForeignHeadHook{Reader: d.Reader, Clock: d.Clock, Policy: d.Policy},
		&WorkerMigrationHook{APIReader: d.APIReader, Writer: d.Client, Recorder: d.Recorder},
		&WorkersToDeleteHook{APIReader: d.APIReader, Writer: d.Client, Recorder: d.Recorder},
		&RecreateHook{Reader: d.Reader, Writer: d.Client, Recorder: d.Recorder},
	)
	return Hooks{
		Observer:     &Observer{Reader: d.Reader, APIReader: d.APIReader, Clock: d.Clock, Policy: d.Policy},
		Pre:          pre,
		Projectors:   []helm.StatusProjector{&StatusProjection{Reader: d.Reader, Clock: d.Clock}},
		Uninstall:    append([]helm.UninstallHook{}, d.UninstallHooks...),
		ValuesMapper: MapValuesFor(d.BatchScheduler),
	}
}

// Apply puts the hooks into the reconciler's options.
func (h Hooks) Apply(o *helm.Options) {
	o.Observer = h.Observer
	o.PreHooks = append(o.PreHooks, h.Pre...)
	o.PostHooks = append(o.PostHooks, h.Post...)
	o.StatusProjectors = append(o.StatusProjectors, h.Projectors...)
	o.UninstallHooks = append(o.UninstallHooks, h.Uninstall...)
	o.ValuesMapper = h.ValuesMapper
}

// ValidationHook runs Validate and stops the apply of an invalid spec.
// Nothing already running is changed or deleted, and the RayCluster stays
// deletable. SpecValid reports the result; the reconciler adds the
// Irreconcilable condition and the Warning event for a stop.
type ValidationHook struct {
	Clock clock.PassiveClock
}

// PreReconcile validates one RayCluster.
func (k *ValidationHook) PreReconcile(_ context.Context, req *helm.Request) (helm.Result, error) {
	rc, err := FromObject(req.Object)
	if err != nil {
		return helm.Result{}, err
	}
	st := rc.Status.DeepCopy()
	now := metav1.NewTime(k.Clock.Now())
	errs := Validate(rc)
	if len(errs) == 0 {
		setCondition(st, rayv1.SpecValid, metav1.ConditionTrue, rayv1.ReasonSpecValid, "", rc.Generation, now)
		return helm.Result{}, WriteStatus(req.Object, st)
	}
	msg := fmt.Sprintf("the spec is invalid, nothing was applied: %v", errs.ToAggregate())
	setCondition(st, rayv1.SpecValid, metav1.ConditionFalse, rayv1.ReasonInvalidSpec, msg, rc.Generation, now)
	if err := WriteStatus(req.Object, st); err != nil {
		return helm.Result{}, err
	}
	// No requeue: only a change of the RayCluster can fix it, and that
	// triggers a reconcile by itself.
	return helm.Result{Stop: true, Reason: rayv1.ReasonInvalidSpec, Message: msg}, nil
}
