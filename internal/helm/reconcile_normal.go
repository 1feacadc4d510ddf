package helm

import (
	"context"
	"fmt"
	"strings"
	"time"

	"helm.sh/helm/v3/pkg/release"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
)

// reconcileNormal runs the phases of a reconcile of a live resource:
// observe, gather facts, decide, pre-hooks, apply, post-hooks, watch
// dependents; and, whichever phase ends it, the status projection.
func (r *Reconciler) reconcileNormal(ctx context.Context, s *scope) (res ctrl.Result, err error) {
	s.cond(ConditionInitialized, metav1.ConditionTrue, ReasonInitialized, "")
	if err := r.observe(ctx, s); err != nil {
		return ctrl.Result{}, err
	}
	// The status follows the observation on every path, a blocked or
	// failed one included.
	defer func() {
		requeue, perr := r.projectStatus(ctx, s)
		if perr != nil && err == nil {
			err = perr
		}
		if err == nil {
			res.RequeueAfter = shorterRequeue(res.RequeueAfter, requeue)
		}
	}()
	if err := r.gather(ctx, s); err != nil {
		return ctrl.Result{}, err
	}
	d := decide(decisionInput{
		Last:              summarize(s.last),
		InputHash:         s.hash,
		Now:               r.opts.Now(),
		LastFullCheck:     r.lastFullCheck(s.obj.GetUID()),
		FullCheckInterval: r.opts.FullCheckInterval,
		PendingGrace:      r.opts.PendingGrace,
	})
	ctrl.LoggerFrom(ctx).V(1).Info("Decided", "plan", d.Plan)
	if res, stop, err := r.runPreHooks(ctx, s); stop || err != nil {
		return res, err
	}
	if wait, held := r.holdRejected(ctx, s); held {
		return ctrl.Result{RequeueAfter: shorterRequeue(s.requeue, wait)}, nil
	}
	rel, err := r.apply(ctx, s, d)
	if err != nil || rel == nil {
		return ctrl.Result{RequeueAfter: s.requeue}, err
	}
	if err := r.runPostHooks(ctx, s, rel); err != nil {
		return ctrl.Result{}, err
	}
	if r.deps != nil {
		if err := r.deps.watchRelease(rel); err != nil {
			return ctrl.Result{}, err
		}
	}
	r.markSucceeded(s, rel)
	return ctrl.Result{RequeueAfter: shorterRequeue(s.requeue, r.opts.ReconcilePeriod)}, nil
}

// gather reads the last revision (from the cache), builds the values and
// hashes the inputs.
func (r *Reconciler) gather(ctx context.Context, s *scope) error {
	last, err := r.releases.last(ctx, s.obj.GetNamespace(), s.obj.GetName())
	if err != nil {
		s.cond(ConditionIrreconcilable, metav1.ConditionTrue, ReasonErrorGettingReleaseState, err.Error())
		return err
	}
	s.last = last
	if s.values, err = userValues(ctx, s.obj, r.opts.OverrideValues, r.opts.ValuesMapper); err == nil {
		s.render, err = renderValues(r.opts.Chart, s.values)
	}
	if err == nil {
		s.hash, err = inputHash(hashInputs{
			UID:             string(s.obj.GetUID()),
			Values:          s.values,
			Overrides:       r.opts.OverrideValues,
			ChartVersion:    r.opts.Chart.Metadata.Version,
			ChartDigest:     r.opts.ChartDigest,
			OperatorVersion: r.opts.OperatorVersion,
			Options:         hashedAnnotations(s.obj.GetAnnotations()),
		})
	}
	if err != nil {
		s.cond(ConditionIrreconcilable, metav1.ConditionTrue, ReasonErrorGettingValues, err.Error())
		r.event(s.obj, true, EventValuesFailed, actionReconcile, "Building chart values failed: %v", err)
		return err
	}
	return nil
}

// apply carries out the plan and returns the release that is now current,
// or nil with s.requeue set when the reconcile must wait.
func (r *Reconciler) apply(ctx context.Context, s *scope, d decision) (*release.Release, error) {
	switch d.Plan {
	case planInstall:
		return r.applyInstall(ctx, s)
	case planUpgrade:
		return r.applyUpgrade(ctx, s, "")
	case planRecover:
		return r.applyRecover(ctx, s)
	case planWaitPending:
		s.cond(ConditionIrreconcilable, metav1.ConditionTrue, ReasonErrorGettingReleaseState, fmt.Sprintf(
			"revision %d is %s since %s; if it does not complete it is recovered after %s",
			s.last.Version, s.last.Info.Status, s.last.Info.LastDeployed.UTC().Format(time.RFC3339), r.opts.PendingGrace))
		s.requeue = d.Wait
		return nil, nil
	case planFullCheck:
		return r.applyFullCheck(ctx, s)
	default:
		return r.applyDriftRepair(ctx, s, s.last)
	}
}

func (r *Reconciler) applyInstall(ctx context.Context, s *scope) (*release.Release, error) {
	rel, err := r.install(ctx, s, s.last != nil)
	if err != nil {
		s.cond(ConditionDeployed, metav1.ConditionFalse, ReasonReleaseNotFound, "no revision is deployed")
		s.cond(ConditionReleaseFailed, metav1.ConditionTrue, ReasonInstallError, err.Error())
		s.cond(ConditionIrreconcilable, metav1.ConditionTrue, ReasonReconcileError, err.Error())
		return nil, r.reportFailure(ctx, s, err, EventInstallFailed, actionInstall, "Installing the release failed")
	}
	r.recordFullCheck(s.obj.GetUID(), r.opts.Now())
	r.event(s.obj, false, EventInstallSucceeded, actionInstall, "Installed revision %d of chart %s", rel.Version, chartRef(rel))
	return rel, nil
}

func (r *Reconciler) applyUpgrade(ctx context.Context, s *scope, note string) (*release.Release, error) {
	rel, err := r.upgrade(ctx, s)
	if err != nil {
		s.cond(ConditionReleaseFailed, metav1.ConditionTrue, ReasonUpgradeError, err.Error())
		s.cond(ConditionIrreconcilable, metav1.ConditionTrue, ReasonReconcileError, err.Error())
		return nil, r.reportFailure(ctx, s, err, EventUpgradeFailed, actionUpgrade, "Upgrading the release failed")
	}
	r.recordFullCheck(s.obj.GetUID(), r.opts.Now())
	r.event(s.obj, false, EventUpgradeSucceeded, actionUpgrade, "Upgraded to revision %d of chart %s%s", rel.Version, chartRef(rel), note)
	return rel, nil
}

// applyRecover marks a stuck revision failed and upgrades from it at once:
// the resource is unmanaged until then, so there is no reason to wait.
func (r *Reconciler) applyRecover(ctx context.Context, s *scope) (*release.Release, error) {
	was := s.last.Info.Status
	if _, err := r.markFailed(ctx, s); err != nil {
		s.cond(ConditionIrreconcilable, metav1.ConditionTrue, ReasonErrorGettingReleaseState, err.Error())
		r.event(s.obj, true, EventPendingRecoverFail, actionRecover, "Recovering revision %d left %s failed: %v", s.last.Version, was, err)
		return nil, err
	}
	msg := fmt.Sprintf("revision %d was left %s by an interrupted operation; marked failed and upgraded", s.last.Version, was)
	ctrl.LoggerFrom(ctx).Info("Recovered stuck release", "revision", s.last.Version, "status", string(was))
	r.event(s.obj, true, EventPendingRecovered, actionRecover, "Revision %d was left %s by an interrupted operation; marked it failed to upgrade from it", s.last.Version, was)
	s.cond(ConditionReleaseFailed, metav1.ConditionTrue, ReasonPendingReleaseRecovered, msg)
	rel, err := r.applyUpgrade(ctx, s, " after recovering a stuck revision")
	if err == nil {
		s.recovered = msg
	}
	return rel, err
}

// applyFullCheck renders a dry-run upgrade and upgrades only when the
// manifest changed; otherwise it records a new input hash if needed and
// repairs drift.
func (r *Reconciler) applyFullCheck(ctx context.Context, s *scope) (*release.Release, error) {
	rendered, err := r.dryRun(ctx, s)
	if err != nil {
		s.cond(ConditionIrreconcilable, metav1.ConditionTrue, ReasonErrorGettingReleaseState, err.Error())
		return nil, r.reportFailure(ctx, s, err, EventUpgradeFailed, actionUpgrade, "Rendering the release failed")
	}
	r.recordFullCheck(s.obj.GetUID(), r.opts.Now())
	current := s.last
	switch afterCheck(rendered.Manifest != s.last.Manifest, s.last.Labels[InputHashLabel], s.hash) {
	case outcomeUpgrade:
		return r.applyUpgrade(ctx, s, "")
	case outcomeRelabel:
		if current, err = r.relabel(ctx, s); err != nil {
			s.cond(ConditionIrreconcilable, metav1.ConditionTrue, ReasonReconcileError, err.Error())
			return nil, err
		}
	}
	return r.applyDriftRepair(ctx, s, current)
}

// applyDriftRepair re-creates and restores the release's objects from the
// cache; with no drift it makes no API request at all.
func (r *Reconciler) applyDriftRepair(ctx context.Context, s *scope, rel *release.Release) (*release.Release, error) {
	repaired, err := r.drift.repair(ctx, rel)
	if len(repaired) > 0 {
		ctrl.LoggerFrom(ctx).Info("Repaired drift", "objects", repaired)
		r.event(s.obj, false, EventDriftRepaired, actionRepair, "Repaired drift: %s", strings.Join(repaired, ", "))
	}
	if err != nil {
		s.cond(ConditionIrreconcilable, metav1.ConditionTrue, ReasonReconcileError, err.Error())
		return nil, err
	}
	return rel, nil
}

// markSucceeded sets the conditions of a fully reconciled resource. The
// messages depend only on the revision, so a steady state writes nothing.
func (r *Reconciler) markSucceeded(s *scope, rel *release.Release) {
	reason := ReasonUpgradeSuccessful
	if rel.Version == 1 {
		reason = ReasonInstallSuccessful
	}
	s.cond(ConditionDeployed, metav1.ConditionTrue, reason, fmt.Sprintf("revision %d of chart %s is deployed", rel.Version, chartRef(rel)))
	s.cond(ConditionReleaseFailed, metav1.ConditionFalse, ReasonReleaseSucceeded, s.recovered)
	s.cond(ConditionIrreconcilable, metav1.ConditionFalse, ReasonReconcileSuccessful, "")
	if err := setDeployedRelease(s.obj, rel); err != nil {
		s.condErrors = append(s.condErrors, err)
	}
	s.succeeded = len(s.condErrors) == 0
	r.rejected.forget(s.obj.GetUID())
}

func chartRef(rel *release.Release) string {
	if rel.Chart == nil || rel.Chart.Metadata == nil {
		return "(unknown)"
	}
	return rel.Chart.Metadata.Name + "-" + rel.Chart.Metadata.Version
}
