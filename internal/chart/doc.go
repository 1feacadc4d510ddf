// Package chart loads and renders the ray-cluster Helm chart
// (helm-charts/ray-cluster), the single description of what a Ray cluster
// is in Kubernetes. The operator feeds each RayCluster's spec to the chart
// as values; tests render it without a cluster to check what it produces.
package chart
