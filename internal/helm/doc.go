// Package helm is the operator's Helm release reconciler: for every custom
// resource of a kind listed in watches.yaml it renders the kind's chart with
// the resource's spec as values and keeps one Helm release per resource
// installed, upgraded and repaired, with Go hooks before and after.
//
// It keeps the Operator Framework contract (watches.yaml, spec as values,
// overrideValues, the Initialized/Deployed/ReleaseFailed/Irreconcilable
// conditions, the uninstall-helm-release finalizer) but avoids the defects of
// helm-operator-plugins that an operator guarding Ray heads cannot accept:
//
//   - a release left pending-* by a crash is recovered after a short grace;
//   - a dry-run never rolls anything back, and automatic rollback is opt-in;
//   - hooks get a context, can fail or stop a reconcile, and run on uninstall;
//   - status is written once per reconcile as a merge patch, so fields other
//     writers own survive, and no rendered manifest is ever put in status;
//   - a steady-state reconcile reads the resource, the release Secrets and
//     the rendered objects from informers and skips Helm entirely while a hash
//     of its inputs is unchanged;
//   - the chart is deep-copied per reconcile because Helm mutates it.
package helm
