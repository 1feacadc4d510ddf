// Package gen builds the OLM bundle of ray-ha-operator from config/manifests,
// doing what `operator-sdk generate bundle` does without the SDK: kustomize
// renders the manifests, the base CSV gets the version, image, examples,
// install strategy and RBAC, and every other supported object is written one
// per file. The output is deterministic; createdAt only moves when the CSV
// itself changes, so regenerating an up-to-date bundle changes nothing.
package gen
