package helm

import (
	"fmt"
	"sync"
	"time"

	"github.com/go-logr/logr"
	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/kube"
	"helm.sh/helm/v3/pkg/storage"
	"helm.sh/helm/v3/pkg/storage/driver"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/kubernetes"
	corev1client "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// restClientGetter hands Helm the manager's REST config and RESTMapper and a
// process-wide memory-cached discovery client, so Helm builds no mapper or
// discovery of its own per reconcile.
type restClientGetter struct {
	cfg       *rest.Config
	mapper    meta.RESTMapper
	discovery discovery.CachedDiscoveryInterface
	namespace string
}

func (g *restClientGetter) ToRESTConfig() (*rest.Config, error) { return rest.CopyConfig(g.cfg), nil }
func (g *restClientGetter) ToDiscoveryClient() (discovery.CachedDiscoveryInterface, error) {
	return g.discovery, nil
}
func (g *restClientGetter) ToRESTMapper() (meta.RESTMapper, error) { return g.mapper, nil }
func (g *restClientGetter) ToRawKubeConfigLoader() clientcmd.ClientConfig {
	return clientcmd.NewDefaultClientConfig(*clientcmdapi.NewConfig(), &clientcmd.ConfigOverrides{
		Context: clientcmdapi.Context{Namespace: g.namespace},
	})
}

// capabilities caches what Helm's templates see as .Capabilities. Helm
// invalidates its discovery cache and re-fetches all of it on every action
// when Configuration.Capabilities is nil; cluster versions and API groups
// change rarely, so they are refreshed on a timer instead.
type capabilities struct {
	discovery discovery.CachedDiscoveryInterface
	ttl       time.Duration
	now       func() time.Time

	mu      sync.Mutex
	caps    *chartutil.Capabilities
	fetched time.Time
}

func (c *capabilities) get() (*chartutil.Capabilities, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.caps != nil && c.now().Sub(c.fetched) < c.ttl {
		return c.caps, nil
	}
	c.discovery.Invalidate()
	v, err := c.discovery.ServerVersion()
	if err != nil {
		return nil, fmt.Errorf("reading the server version: %w", err)
	}
	apis, err := action.GetVersionSet(c.discovery)
	if err != nil && !discovery.IsGroupDiscoveryFailedError(err) {
		return nil, fmt.Errorf("reading the server's API versions: %w", err)
	}
	c.caps = &chartutil.Capabilities{
		KubeVersion: chartutil.KubeVersion{Version: v.GitVersion, Major: v.Major, Minor: v.Minor},
		APIVersions: apis,
		HelmVersion: chartutil.DefaultCapabilities.HelmVersion,
	}
	c.fetched = c.now()
	return c.caps, nil
}

// actionConfigs builds Helm action configurations. The expensive parts (the
// kube client with its kubectl factory and OpenAPI caches, one per namespace)
// are built once; the cheap Configuration and storage are new per reconcile
// because Helm writes into them (e.g. Releases.MaxHistory).
type actionConfigs struct {
	cfg       *rest.Config
	mapper    meta.RESTMapper
	discovery discovery.CachedDiscoveryInterface
	clientset kubernetes.Interface
	cache     client.Reader // the release-Secret cache
	store     releaseStore
	caps      *capabilities
	reach     *reachability

	mu    sync.Mutex
	kubes map[string]namespaceClients
}

type namespaceClients struct {
	getter *restClientGetter
	kube   *kube.Client
}

func newActionConfigs(cfg *rest.Config, mapper meta.RESTMapper, releaseCache client.Reader, store releaseStore, capsTTL time.Duration) (*actionConfigs, error) {
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("creating discovery client: %w", err)
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("creating clientset: %w", err)
	}
	cached := memory.NewMemCacheClient(dc)
	return &actionConfigs{
		cfg: cfg, mapper: mapper, discovery: cached, clientset: cs, cache: releaseCache, store: store,
		caps:  &capabilities{discovery: cached, ttl: capsTTL, now: time.Now},
		reach: &reachability{ttl: reachableTTL, now: time.Now},
		kubes: map[string]namespaceClients{},
	}, nil
}

func (a *actionConfigs) clients(namespace string) (namespaceClients, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if c, ok := a.kubes[namespace]; ok {
		return c, nil
	}
	getter := &restClientGetter{cfg: a.cfg, mapper: a.mapper, discovery: a.discovery, namespace: namespace}
	kc := kube.New(getter)
	kc.Namespace = namespace
	// kube.Client creates its clientset lazily and without a lock on first
	// use; concurrent reconciles share it, so create it here, under ours.
	if err := kc.IsReachable(); err != nil {
		return namespaceClients{}, fmt.Errorf("creating Helm's client for namespace %s: %w", namespace, err)
	}
	c := namespaceClients{getter: getter, kube: kc}
	a.kubes[namespace] = c
	return c, nil
}

// forResource returns a configuration for owner's release whose storage
// reads from the cache (cached=true: dry-runs) or from the API server (real
// actions, which must see the revisions they just wrote, never a stale
// cache).
func (a *actionConfigs) forResource(owner *unstructured.Unstructured, cached bool, log logr.Logger) (*action.Configuration, error) {
	namespace := owner.GetNamespace()
	caps, err := a.caps.get()
	if err != nil {
		return nil, err
	}
	nc, err := a.clients(namespace)
	if err != nil {
		return nil, err
	}
	d := driver.NewSecrets(a.releaseSecrets(owner, cached))
	helmLog := func(format string, v ...any) { log.V(1).Info(fmt.Sprintf(format, v...)) }
	d.Log = helmLog
	return &action.Configuration{
		RESTClientGetter: nc.getter,
		Releases:         storage.Init(slimRecords{Driver: d}),
		KubeClient:       reachableKube{Client: nc.kube, reach: a.reach},
		Capabilities:     caps,
		Log:              helmLog,
	}, nil
}

// releaseSecrets is the SecretInterface of owner's release storage. In the
// resource's own namespace, Secrets Helm writes get a controller owner
// reference to owner, so Kubernetes collects the history with the resource
// even if its finalizer is removed by hand. In the operator's namespace an
// owner reference cannot point across namespaces (the garbage collector
// would take the owner for gone), so none is set there.
func (a *actionConfigs) releaseSecrets(owner *unstructured.Unstructured, cached bool) corev1client.SecretInterface {
	namespace := a.store.secretsNamespace(owner.GetNamespace())
	var secrets corev1client.SecretInterface = a.clientset.CoreV1().Secrets(namespace)
	if !a.store.relocated() {
		secrets = ownedSecrets{SecretInterface: secrets, owner: owner}
	}
	if cached {
		secrets = cachedSecrets{SecretInterface: secrets, reader: a.cache, namespace: namespace}
	}
	if a.store.relocated() {
		secrets = relocatedSecrets{SecretInterface: secrets, store: a.store, resourceNS: owner.GetNamespace()}
	}
	return secrets
}
