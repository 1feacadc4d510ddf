package helm

import (
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/storage/driver"
)

// slimRecords is the storage driver of every Helm action the reconciler
// runs: each revision it writes keeps the chart's metadata, lock and
// default values but not its templates, files or JSON schema. Helm stores
// the whole chart in every revision (base64 of gzip of JSON, about 55 KiB
// for the ray-cluster chart, mostly templates and the README), and that
// record is written, watched, cached and decoded again for every cluster.
// Nothing reads the templates back: an upgrade renders the chart it is
// given, a rollback re-applies the stored manifest and hooks, and
// `helm history/status/get values/get manifest/rollback` read the manifest,
// values, hooks, notes and chart metadata, which stay.
type slimRecords struct {
	driver.Driver
}

// Create stores rls without its chart's files; rls itself is unchanged
// (Helm returns it to the caller).
func (d slimRecords) Create(key string, rls *release.Release) error {
	return d.Driver.Create(key, slimRelease(rls))
}

// Update stores rls without its chart's files.
func (d slimRecords) Update(key string, rls *release.Release) error {
	return d.Driver.Update(key, slimRelease(rls))
}

// slimRelease is a shallow copy of rls with a slim chart.
func slimRelease(rls *release.Release) *release.Release {
	if rls == nil || rls.Chart == nil {
		return rls
	}
	out := *rls
	out.Chart = slimChart(rls.Chart)
	return &out
}

// slimChart keeps what describes a chart (metadata, lock, default values),
// for itself and its dependencies, and drops what only renders it.
func slimChart(c *chart.Chart) *chart.Chart {
	out := &chart.Chart{Metadata: c.Metadata, Lock: c.Lock, Values: c.Values}
	deps := make([]*chart.Chart, 0, len(c.Dependencies()))
	for _, d := range c.Dependencies() {
		deps = append(deps, slimChart(d))
	}
	out.SetDependencies(deps...)
	return out
}
