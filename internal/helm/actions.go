package helm

import (
	"context"
	"errors"
	"fmt"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/storage/driver"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	ctrl "sigs.k8s.io/controller-runtime"
)

// The Helm actions, each on a fresh Configuration. Real actions use storage
// that reads from the API server; only the dry-run reads from the cache.
// None of them rolls back or uninstalls on failure: a failed revision stays
// failed and the next reconcile upgrades from it, with backoff.

func (r *Reconciler) postRenderer(obj *unstructured.Unstructured) ownerRefPostRenderer {
	return ownerRefPostRenderer{owner: obj, mapper: r.configs.mapper}
}

func (r *Reconciler) install(ctx context.Context, s *scope, replace bool) (*release.Release, error) {
	// A first install reads the history (Helm's check that the name is
	// free) from the cache, as the decision to install did; the create of
	// its one record is the guard against a revision the cache lacks. A
	// replace supersedes the last revision and reads it from the API server.
	cfg, err := r.configs.forResource(s.obj, !replace, ctrl.LoggerFrom(ctx))
	if err != nil {
		return nil, err
	}
	var record *installRecord
	if !replace {
		record = &installRecord{Driver: cfg.Releases.Driver}
		cfg.Releases.Driver = record
	}
	ch, err := copyChart(r.opts.Chart)
	if err != nil {
		return nil, err
	}
	in := action.NewInstall(cfg)
	in.ReleaseName = s.obj.GetName()
	in.Namespace = s.obj.GetNamespace()
	in.Replace = replace
	in.Timeout = r.opts.HelmTimeout
	in.PostRenderer = r.postRenderer(s.obj)
	in.Labels = releaseLabels(r.opts.GVK, s.hash)
	in.DisableOpenAPIValidation = r.opts.SkipOpenAPIValidation
	applyInstallAnnotations(in, s.obj.GetAnnotations())
	rel, err := in.RunWithContext(ctx, ch, s.values)
	if err == nil && record != nil {
		if err = record.result(); err != nil {
			err = fmt.Errorf("recording the installed revision: %w", err)
		}
	}
	if err != nil {
		return rel, fmt.Errorf("installing release %s/%s: %w", in.Namespace, in.ReleaseName, err)
	}
	return rel, nil
}

func (r *Reconciler) upgrade(ctx context.Context, s *scope) (*release.Release, error) {
	cfg, err := r.configs.forResource(s.obj, false, ctrl.LoggerFrom(ctx))
	if err != nil {
		return nil, err
	}
	rel, err := r.runUpgrade(ctx, cfg, s, false)
	if err != nil && r.opts.RollbackOnFailure && rel != nil {
		r.rollback(ctx, cfg, s)
	}
	return rel, err
}

// dryRun renders the upgrade against the cluster (server mode, so `lookup`
// sees real objects) without changing anything. Its failure never triggers
// a rollback.
func (r *Reconciler) dryRun(ctx context.Context, s *scope) (*release.Release, error) {
	cfg, err := r.configs.forResource(s.obj, true, ctrl.LoggerFrom(ctx))
	if err != nil {
		return nil, err
	}
	return r.runUpgrade(ctx, cfg, s, true)
}

func (r *Reconciler) runUpgrade(ctx context.Context, cfg *action.Configuration, s *scope, dry bool) (*release.Release, error) {
	ch, err := copyChart(r.opts.Chart)
	if err != nil {
		return nil, err
	}
	up := action.NewUpgrade(cfg)
	up.Namespace = s.obj.GetNamespace()
	up.MaxHistory = r.opts.MaxHistory
	up.Timeout = r.opts.HelmTimeout
	up.PostRenderer = r.postRenderer(s.obj)
	up.Labels = releaseLabels(r.opts.GVK, s.hash)
	up.DisableOpenAPIValidation = r.opts.SkipOpenAPIValidation
	applyUpgradeAnnotations(up, s.obj.GetAnnotations())
	if dry {
		up.DryRun = true
		up.DryRunOption = "server"
		// The real upgrade validates; the check only compares manifests and
		// must not download OpenAPI documents to do so.
		up.DisableOpenAPIValidation = true
	}
	rel, err := up.RunWithContext(ctx, s.obj.GetName(), ch, s.values)
	if err != nil {
		verb := "upgrading"
		if dry {
			verb = "rendering a dry-run upgrade of"
		}
		return rel, fmt.Errorf("%s release %s/%s: %w", verb, up.Namespace, s.obj.GetName(), err)
	}
	return rel, nil
}

// rollback is opt-in (Options.RollbackOnFailure) and only ever follows a
// real upgrade.
func (r *Reconciler) rollback(ctx context.Context, cfg *action.Configuration, s *scope) {
	rb := action.NewRollback(cfg)
	rb.MaxHistory = r.opts.MaxHistory
	rb.Timeout = r.opts.HelmTimeout
	if err := rb.Run(s.obj.GetName()); err != nil {
		ctrl.LoggerFrom(ctx).Error(err, "Rollback after failed upgrade failed")
		r.event(s.obj, true, EventRollbackFailed, actionRollback, "Rollback after failed upgrade failed: %v", err)
		return
	}
	r.event(s.obj, false, EventRollbackSucceeded, actionRollback, "Rolled back to the previous revision after a failed upgrade")
}

// markFailed unlocks a revision a dead process left pending: Helm refuses
// to upgrade a pending release, but upgrades from a failed one (adopting the
// objects the interrupted action created).
func (r *Reconciler) markFailed(ctx context.Context, s *scope) (*release.Release, error) {
	cfg, err := r.configs.forResource(s.obj, false, ctrl.LoggerFrom(ctx))
	if err != nil {
		return nil, err
	}
	rel, err := cfg.Releases.Get(s.obj.GetName(), s.last.Version)
	if err != nil {
		return nil, fmt.Errorf("reading stuck release %s/%s revision %d: %w", s.obj.GetNamespace(), s.obj.GetName(), s.last.Version, err)
	}
	was := rel.Info.Status
	if !isStuck(was) {
		return rel, nil // finished after all (the cache was behind)
	}
	rel.SetStatus(release.StatusFailed, fmt.Sprintf("marked failed by the operator: left %s by an interrupted operation", was))
	if err := cfg.Releases.Update(rel); err != nil {
		return nil, fmt.Errorf("marking stuck release %s/%s revision %d failed: %w", rel.Namespace, rel.Name, rel.Version, err)
	}
	return rel, nil
}

// relabel records a new input hash on the deployed revision when a full
// check found the rendered manifest unchanged: the fast path resumes without
// a new revision.
func (r *Reconciler) relabel(ctx context.Context, s *scope) (*release.Release, error) {
	cfg, err := r.configs.forResource(s.obj, false, ctrl.LoggerFrom(ctx))
	if err != nil {
		return nil, err
	}
	rel, err := cfg.Releases.Get(s.obj.GetName(), s.last.Version)
	if err != nil {
		return nil, fmt.Errorf("reading release %s/%s revision %d: %w", s.obj.GetNamespace(), s.obj.GetName(), s.last.Version, err)
	}
	if rel.Labels == nil {
		rel.Labels = map[string]string{}
	}
	for k, v := range releaseLabels(r.opts.GVK, s.hash) {
		rel.Labels[k] = v
	}
	if err := cfg.Releases.Update(rel); err != nil {
		return nil, fmt.Errorf("recording input hash on release %s/%s: %w", rel.Namespace, rel.Name, err)
	}
	return rel, nil
}

// uninstall removes the release, whatever state it is in (Helm uninstalls
// pending releases too); a release that does not exist counts as removed.
func (r *Reconciler) uninstall(ctx context.Context, obj *unstructured.Unstructured) (removed bool, err error) {
	cfg, err := r.configs.forResource(obj, false, ctrl.LoggerFrom(ctx))
	if err != nil {
		return false, err
	}
	un := action.NewUninstall(cfg)
	un.Timeout = r.opts.HelmTimeout
	applyUninstallAnnotations(un, obj.GetAnnotations())
	_, err = un.Run(obj.GetName())
	if errors.Is(err, driver.ErrReleaseNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("uninstalling release %s/%s: %w", obj.GetNamespace(), obj.GetName(), err)
	}
	return true, nil
}
