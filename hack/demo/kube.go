package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	rayv1 "github.com/ray-ha-operator/ray-ha-operator/api/v1"
)

// newClient is an uncached client that knows the RayCluster and CRD types:
// every read goes to the API server, so the timings are what the API shows.
func newClient(cfg *rest.Config) (client.Client, error) {
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{clientgoscheme.AddToScheme, rayv1.AddToScheme, apiextensionsv1.AddToScheme} {
		if err := add(scheme); err != nil {
			return nil, fmt.Errorf("building the demo's scheme: %w", err)
		}
	}
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		return nil, fmt.Errorf("building the demo's Kubernetes client: %w", err)
	}
	return c, nil
}

// installCRD creates the RayCluster CRD from config/crd/bases, as
// `make install` would, and waits until the API serves it.
func (d *demo) installCRD(ctx context.Context) error {
	d.step("installing the RayCluster CRD (config/crd/bases)")
	path := filepath.Join(d.root, "config", "crd", "bases", "ray.io_rayclusters.yaml")
	raw, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("reading the CRD: %w", err)
	}
	var crd apiextensionsv1.CustomResourceDefinition
	if err := yaml.Unmarshal(raw, &crd); err != nil {
		return fmt.Errorf("decoding the CRD %s: %w", path, err)
	}
	if err := d.k8s.Create(ctx, &crd); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("creating the CRD %s: %w", crd.Name, err)
	}
	return poll(ctx, "CRD "+crd.Name+" established", 30*time.Second, func(ctx context.Context) (bool, error) {
		var got apiextensionsv1.CustomResourceDefinition
		if err := d.k8s.Get(ctx, client.ObjectKey{Name: crd.Name}, &got); err != nil {
			return false, err
		}
		for _, c := range got.Status.Conditions {
			if c.Type == apiextensionsv1.Established && c.Status == apiextensionsv1.ConditionTrue {
				return true, nil
			}
		}
		return false, nil
	})
}

// pollInterval is how often the demo looks at the API. A fifth of a second
// keeps the observed timings within that of the real ones without loading
// the API server noticeably.
const pollInterval = 200 * time.Millisecond

// permanentError stops a poll at once: waiting longer cannot help.
type permanentError struct{ error }

func (e permanentError) Unwrap() error { return e.error }

// poll calls cond until it returns true, a permanentError, or timeout
// passes. Other errors (a transient API error) are retried; the last one is
// reported on timeout.
func poll(ctx context.Context, what string, timeout time.Duration, cond func(context.Context) (bool, error)) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var lastErr error
	for {
		ok, err := cond(ctx)
		if ok && err == nil {
			return nil
		}
		var stop permanentError
		if errors.As(err, &stop) {
			return fmt.Errorf("waiting for %s: %w", what, stop.error)
		}
		if err != nil {
			lastErr = err
		}
		select {
		case <-ctx.Done():
			if lastErr != nil {
				return fmt.Errorf("waiting for %s: %w (last error: %v)", what, ctx.Err(), lastErr)
			}
			return fmt.Errorf("waiting for %s: not within %s: %w", what, timeout, ctx.Err())
		case <-time.After(pollInterval):
		}
	}
}
