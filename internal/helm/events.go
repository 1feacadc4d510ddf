package helm

// Event reasons (UpperCamelCase, as Kubernetes asks). Events are emitted only
// for transitions: a release installed, upgraded, uninstalled or recovered,
// an action that failed, drift that was repaired, a hook that stopped a
// reconcile. A steady-state reconcile emits none.
const (
	EventInstallSucceeded   = "InstallSucceeded"
	EventInstallFailed      = "InstallFailed"
	EventUpgradeSucceeded   = "UpgradeSucceeded"
	EventUpgradeFailed      = "UpgradeFailed"
	EventUninstallSucceeded = "UninstallSucceeded"
	EventUninstallFailed    = "UninstallFailed"
	EventPendingRecovered   = "PendingReleaseRecovered"
	EventPendingRecoverFail = "PendingReleaseRecoveryFailed"
	EventDriftRepaired      = "DriftRepaired"
	EventRollbackSucceeded  = "RollbackSucceeded"
	EventRollbackFailed     = "RollbackFailed"
	EventValuesFailed       = "ValuesFailed"
	// EventReconcileBlocked is used when a pre-reconcile hook stops or fails
	// without naming its own reason.
	EventReconcileBlocked = "ReconcileBlocked"
)

// Event actions (the events.k8s.io "action" field).
const (
	actionInstall   = "Install"
	actionUpgrade   = "Upgrade"
	actionUninstall = "Uninstall"
	actionRecover   = "Recover"
	actionRepair    = "Repair"
	actionRollback  = "Rollback"
	actionReconcile = "Reconcile"
)
