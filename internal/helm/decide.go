package helm

import (
	"time"

	"helm.sh/helm/v3/pkg/release"
)

// plan is what a reconcile does with the release.
type plan string

const (
	// planInstall: no release exists (or only an uninstalled one).
	planInstall plan = "install"
	// planUpgrade: the last revision failed or was superseded; upgrade from it.
	planUpgrade plan = "upgrade"
	// planRecover: the last revision is stuck (pending-* or uninstalling)
	// past the grace period; mark it failed, then upgrade.
	planRecover plan = "recover"
	// planWaitPending: stuck, but within the grace period: requeue.
	planWaitPending plan = "wait-pending"
	// planFullCheck: render with a dry-run and compare manifests.
	planFullCheck plan = "full-check"
	// planFastPath: inputs unchanged and deployed: skip Helm, repair drift
	// from the cache only.
	planFastPath plan = "fast-path"
)

// releaseSummary is what decisions need to know about the last revision.
type releaseSummary struct {
	Status       release.Status
	Version      int
	InputHash    string
	LastDeployed time.Time
}

// decisionInput gathers every fact a decision depends on, time included.
type decisionInput struct {
	Last              *releaseSummary // nil: no release
	InputHash         string
	Now               time.Time
	LastFullCheck     time.Time // zero: never in this process
	FullCheckInterval time.Duration
	PendingGrace      time.Duration
}

// decision is a plan plus, for planWaitPending, how long to wait.
type decision struct {
	Plan plan
	Wait time.Duration
}

// decide picks what to do with a resource's release. It runs before any
// Helm call, so a stuck release is recovered before Helm can refuse it.
func decide(in decisionInput) decision {
	last := in.Last
	if last == nil || last.Status == release.StatusUninstalled {
		return decision{Plan: planInstall}
	}
	if isStuck(last.Status) {
		return decidePending(last, in.Now, in.PendingGrace)
	}
	if last.Status != release.StatusDeployed {
		return decision{Plan: planUpgrade}
	}
	if last.InputHash == in.InputHash && !fullCheckDue(in) {
		return decision{Plan: planFastPath}
	}
	return decision{Plan: planFullCheck}
}

// isStuck reports a status that only a dead process leaves behind: Helm
// writes it before acting and replaces it when done.
func isStuck(s release.Status) bool {
	return s.IsPending() || s == release.StatusUninstalling
}

// decidePending waits out the grace period, counted from the revision's last
// write. Within a process a resource is never reconciled concurrently and
// leader election excludes a second operator, so a pending revision at the
// start of a reconcile belongs to a dead process, unless a person is running
// helm by hand right now: the grace is for them, and for an old leader whose
// lease has not yet run out.
func decidePending(last *releaseSummary, now time.Time, grace time.Duration) decision {
	age := now.Sub(last.LastDeployed)
	if age < grace {
		return decision{Plan: planWaitPending, Wait: grace - age}
	}
	return decision{Plan: planRecover}
}

// fullCheckDue is true when the last full check is older than the interval,
// or unknown (first reconcile in this process).
func fullCheckDue(in decisionInput) bool {
	if in.LastFullCheck.IsZero() {
		return true
	}
	return in.Now.Sub(in.LastFullCheck) >= in.FullCheckInterval
}

// checkOutcome is the result of a full check.
type checkOutcome string

const (
	outcomeUpgrade checkOutcome = "upgrade" // the rendered manifest changed
	outcomeRelabel checkOutcome = "relabel" // same manifest, new inputs: record the new hash
	outcomeInSync  checkOutcome = "in-sync" // nothing to do but drift repair
)

// afterCheck decides from a dry-run: a changed manifest is upgraded; an
// unchanged manifest with a new input hash (e.g. a new operator version that
// renders the same) only gets its hash recorded, so the fast path resumes
// without a new revision.
func afterCheck(manifestChanged bool, storedHash, wantHash string) checkOutcome {
	switch {
	case manifestChanged:
		return outcomeUpgrade
	case storedHash != wantHash:
		return outcomeRelabel
	default:
		return outcomeInSync
	}
}
