// Package check validates an OLM bundle the way OperatorHub and OpenShift's
// pipelines do: operator-framework/api's validators (the ones
// `operator-sdk bundle validate` runs, with the operatorhub, capabilities,
// categories, deprecated-API and good-practices selections) plus the
// community catalogs' static checks that those validators leave out
// (required CSV fields, one object per file, bundle size, metadata labels,
// OpenShift feature annotations).
package check
