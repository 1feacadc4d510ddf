package simcluster

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ray-ha-operator/ray-ha-operator/test/testbin"
)

// Cluster is a running simulated cluster.
type Cluster struct {
	opts   Options
	dir    string
	ownDir bool // dir was created by Start and is removed by Stop

	bins           map[string]string // component binary -> path
	kwokStages     []string
	pki            *pki
	creds          *credentials
	etcdURL        string
	server         string
	kubeconfig     string
	kwokKubeconfig string
	restConfig     *rest.Config
	client         client.Client
	startedIn      time.Duration

	mu    sync.Mutex
	procs []*process // every process ever started, for Stop
	nodes []*simNode

	stopOnce sync.Once
	// stopping is closed when Stop begins; supervised components are not
	// restarted after that.
	stopping chan struct{}
}

// Start runs etcd, kube-apiserver, kube-controller-manager, kube-scheduler
// and one kwok process per node, and returns once the API server is ready,
// every node is Ready and pods can be admitted in the default namespace.
// On error everything started so far is stopped.
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	began := time.Now()
	c := &Cluster{opts: opts, stopping: make(chan struct{})}
	if err := c.start(ctx); err != nil {
		c.Stop()
		return nil, err
	}
	c.startedIn = time.Since(began)
	opts.Log("simcluster: ready in %s: %d nodes, API %s, kubeconfig %s", c.startedIn.Round(time.Millisecond), opts.Nodes, c.server, c.kubeconfig)
	return c, nil
}

func (c *Cluster) start(ctx context.Context) error {
	if err := c.prepare(); err != nil {
		return err
	}
	steps := []struct {
		done string
		run  func(context.Context) error
	}{
		{"etcd healthy", c.startEtcd},
		{"kube-apiserver ready", c.startAPIServer},
		{"kubeconfigs written", c.setupClients},
		{"kube-controller-manager started", func(context.Context) error {
			return c.startSupervised("kube-controller-manager", c.startControllerManager)
		}},
		{"kube-scheduler started", func(context.Context) error { return c.startSupervised("kube-scheduler", c.startScheduler) }},
		{"image-pull model started (if on)", c.startImagePullModel},
		{"nodes Ready", c.startNodes},
		{"ServiceAccount default/default present", c.waitDefaultServiceAccount},
	}
	for _, s := range steps {
		t := time.Now()
		if err := s.run(ctx); err != nil {
			return fmt.Errorf("starting simulated cluster: %w", err)
		}
		c.opts.Log("simcluster: %s (%s)", s.done, time.Since(t).Round(time.Millisecond))
	}
	return c.checkAlive()
}

// startSupervised starts a control-plane component and keeps it running.
func (c *Cluster) startSupervised(name string, start func() (*process, error)) error {
	p, err := start()
	if err != nil {
		return err
	}
	c.superviseControlPlane(name, p, start)
	return nil
}

// prepare creates the work folder, finds the binaries and writes the
// credentials.
func (c *Cluster) prepare() error {
	c.dir = c.opts.Dir
	if c.dir == "" {
		dir, err := os.MkdirTemp("", "simcluster-")
		if err != nil {
			return fmt.Errorf("creating work folder: %w", err)
		}
		c.dir, c.ownDir = dir, true
	}
	// A reused Dir starts a fresh cluster: old etcd data would not match the
	// new credentials, and old logs would mislead.
	for _, stale := range []string{"etcd", "logs"} {
		if err := os.RemoveAll(filepath.Join(c.dir, stale)); err != nil {
			return fmt.Errorf("clearing %s from %s: %w", stale, c.dir, err)
		}
	}
	for _, sub := range []string{"logs", "kwok-home"} {
		if err := os.MkdirAll(filepath.Join(c.dir, sub), 0o700); err != nil {
			return fmt.Errorf("creating %s folder: %w", sub, err)
		}
	}
	if err := c.findBinaries(); err != nil {
		return err
	}
	var err error
	if c.pki, err = newPKI(filepath.Join(c.dir, "pki")); err != nil {
		return err
	}
	c.creds, err = newCredentials(c.dir)
	return err
}

func (c *Cluster) findBinaries() error {
	c.bins = map[string]string{}
	for _, name := range []string{"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok"} {
		p, err := testbin.Path(name)
		if err != nil {
			return err
		}
		c.bins[name] = p
	}
	stages, err := testbin.Path("kwok-stages")
	if err != nil {
		return err
	}
	if c.kwokStages, err = stageFiles(stages); err != nil || !c.opts.imagePullModelOn() {
		return err
	}
	c.kwokStages, err = imagePullStages(c.kwokStages, filepath.Join(c.dir, "kwok-stages"))
	return err
}

// setupClients writes the admin and kwok kubeconfigs and builds the
// controller-runtime client.
func (c *Cluster) setupClients(context.Context) error {
	c.kubeconfig = filepath.Join(c.dir, "kubeconfig")
	if err := writeKubeconfig(c.kubeconfig, c.server, c.pki.caCertPEM, AdminUser, c.creds.tokens[AdminUser]); err != nil {
		return err
	}
	c.kwokKubeconfig = filepath.Join(c.dir, "kwok.kubeconfig")
	if err := writeKubeconfig(c.kwokKubeconfig, c.server, c.pki.caCertPEM, userKwok, c.creds.tokens[userKwok]); err != nil {
		return err
	}
	cl, err := client.New(c.restConfig, client.Options{Scheme: scheme.Scheme})
	if err != nil {
		return fmt.Errorf("building client: %w", err)
	}
	c.client = cl
	return nil
}

func (c *Cluster) startNodes(ctx context.Context) error {
	nodes := make([]*simNode, 0, c.opts.Nodes)
	for range c.opts.Nodes {
		n, err := c.addNode(ctx)
		if err != nil {
			return err
		}
		nodes = append(nodes, n)
	}
	return c.waitNodesReady(ctx, nodes)
}

// waitDefaultServiceAccount waits for the serviceaccount controller: the
// ServiceAccount admission plugin rejects pods until "default" exists.
func (c *Cluster) waitDefaultServiceAccount(ctx context.Context) error {
	cm := c.component("kube-controller-manager")
	return waitFor(ctx, "ServiceAccount default/default", 60*time.Second, cm, func(ctx context.Context) (bool, error) {
		var sa corev1.ServiceAccount
		err := c.client.Get(ctx, client.ObjectKey{Namespace: "default", Name: "default"}, &sa)
		return err == nil, client.IgnoreNotFound(err)
	})
}

// checkAlive fails when a component died during start-up (e.g. the
// scheduler, whose readiness nothing above observes).
func (c *Cluster) checkAlive() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, p := range c.procs {
		if p.exited() {
			return fmt.Errorf("starting simulated cluster: %w", p.exitError())
		}
	}
	return nil
}

// startComponent starts a binary with its log in the logs folder and
// records it for Stop.
// A component started while Stop runs is killed at once (errStopped).
func (c *Cluster) startComponent(name, bin string, args, env []string) (*process, error) {
	p := newProcess(name, c.bins[bin], filepath.Join(c.dir, "logs", name+".log"), args, env)
	if err := p.start(); err != nil {
		return nil, err
	}
	c.mu.Lock()
	select {
	case <-c.stopping:
		c.mu.Unlock()
		p.kill()
		return nil, fmt.Errorf("starting %s: %w", name, errStopped)
	default:
	}
	c.procs = append(c.procs, p)
	c.mu.Unlock()
	return p, nil
}

// component returns the latest process of that name.
func (c *Cluster) component(name string) *process {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := len(c.procs) - 1; i >= 0; i-- {
		if c.procs[i].name == name {
			return c.procs[i]
		}
	}
	return nil
}

// Stop kills every component's process group, waits for them and removes
// the work folder when Start created it. It is safe to call more than once.
func (c *Cluster) Stop() {
	c.stopOnce.Do(func() {
		c.mu.Lock()
		close(c.stopping)
		procs := append([]*process(nil), c.procs...)
		c.mu.Unlock()
		// Kill in reverse start order: nodes and controllers first, so
		// they do not log a storm of errors about a vanished API server.
		for i := len(procs) - 1; i >= 0; i-- {
			procs[i].kill()
		}
		if c.ownDir && c.dir != "" {
			if err := os.RemoveAll(c.dir); err != nil {
				c.opts.Log("simcluster: removing %s: %v", c.dir, err)
			}
		}
	})
}

// RESTConfig is an admin client configuration (a copy, safe to modify).
func (c *Cluster) RESTConfig() *rest.Config { return rest.CopyConfig(c.restConfig) }

// Kubeconfig is the path of an admin kubeconfig file (server, CA, token).
func (c *Cluster) Kubeconfig() string { return c.kubeconfig }

// Client is an admin controller-runtime client with the client-go scheme.
func (c *Cluster) Client() client.Client { return c.client }

// Dir is the work folder; component logs are in its logs subfolder.
func (c *Cluster) Dir() string { return c.dir }

// StartedIn is how long Start took.
func (c *Cluster) StartedIn() time.Duration { return c.startedIn }
