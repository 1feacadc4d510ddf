/*
Copyright 2026 The ray-ha-operator Authors.
*/

package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/ray-ha-operator/ray-ha-operator/test/harness"
	"github.com/ray-ha-operator/ray-ha-operator/test/redisserver"
	"github.com/ray-ha-operator/ray-ha-operator/test/simcluster"
	"github.com/ray-ha-operator/ray-ha-operator/test/testbin"
)

// env is the simulated cluster, a real redis-server and the bench's own
// client (not the operator's).
type env struct {
	cluster *simcluster.Cluster
	redis   *redisserver.Server
	client  client.WithWatch
	dir     string
	logf    func(format string, args ...any)
	// qps and burst are the operators' client rate limit.
	qps   float32
	burst int
}

// startEnv brings up the simulated cluster with n nodes (kwok leaves pods
// annotated simcluster.DisregardStatusAnnotation to the bench), installs the
// CRD and starts Redis, all under dir.
func startEnv(ctx context.Context, dir string, nodes int, logf func(string, ...any)) (*env, error) {
	return startEnvWith(ctx, dir, nodes, logf, envOptions{})
}

// envOptions change what startEnv sets up.
type envOptions struct {
	// CRDDir holds the CRDs to install (default: the repository's,
	// config/crd/bases).
	CRDDir string
	// AuditPolicy turns the API server's audit log on.
	AuditPolicy string
}

func startEnvWith(ctx context.Context, dir string, nodes int, logf func(string, ...any), o envOptions) (*env, error) {
	c, err := simcluster.Start(ctx, simcluster.Options{
		Nodes: nodes, DisregardStatusSelector: true, Dir: filepath.Join(dir, "cluster"), AuditPolicy: o.AuditPolicy,
	})
	if err != nil {
		return nil, fmt.Errorf("starting the simulated cluster: %w", err)
	}
	e := &env{cluster: c, dir: dir, logf: logf}
	if err := e.prepare(o.CRDDir); err != nil {
		e.stop()
		return nil, err
	}
	return e, nil
}

func (e *env) prepare(crdDir string) error {
	if crdDir == "" {
		root, err := testbin.ModuleRoot()
		if err != nil {
			return fmt.Errorf("finding the module root: %w", err)
		}
		crdDir = filepath.Join(root, "config", "crd", "bases")
	}
	cfg := e.cluster.RESTConfig()
	// The driver creates and lists many objects; client-go's default of 5
	// requests a second would time the bench, not the operator.
	cfg.QPS, cfg.Burst = 200, 400
	// The audit log tells the driver's requests from the operators' by this.
	cfg.UserAgent = benchUserAgent
	if _, err := envtest.InstallCRDs(cfg, envtest.CRDInstallOptions{
		Paths: []string{crdDir}, ErrorIfPathMissing: true,
	}); err != nil {
		return fmt.Errorf("installing the CRDs of %s: %w", crdDir, err)
	}
	var err error
	if e.client, err = client.NewWithWatch(cfg, client.Options{Scheme: harness.Scheme()}); err != nil {
		return fmt.Errorf("creating the bench client: %w", err)
	}
	redisDir := filepath.Join(e.dir, "redis")
	if err := os.MkdirAll(redisDir, 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", redisDir, err)
	}
	if e.redis, err = redisserver.StartProcess(redisDir, redisserver.Options{}); err != nil {
		return fmt.Errorf("starting redis-server: %w", err)
	}
	return nil
}

// benchUserAgent is the user agent of the bench's own client.
const benchUserAgent = "ray-ha-bench"

func (e *env) stop() {
	if e.redis != nil {
		e.redis.Stop()
	}
	e.cluster.Stop()
}

// namespace creates a namespace.
func (e *env) namespace(ctx context.Context, name string) error {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if err := e.client.Create(ctx, ns); err != nil {
		return fmt.Errorf("creating namespace %s: %w", name, err)
	}
	return nil
}
