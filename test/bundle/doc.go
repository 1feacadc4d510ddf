// Package bundle tests the OLM bundle and the operator's packaging: the
// committed bundle/ is valid for OperatorHub and OpenShift and is exactly
// what `make bundle` produces; the operator Deployment and the operand pods
// pass the restricted Pod Security Standard; and, on a simulated cluster, the
// operator runs the RayCluster lifecycle with nothing but the RBAC its
// bundle grants.
package bundle
