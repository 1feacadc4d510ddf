package prockubelet

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
)

// ClusterDomain is the cluster DNS domain the records are under, Kubernetes'
// default.
const ClusterDomain = "cluster.local"

// ClusterDNS stands in for the cluster DNS (CoreDNS reading EndpointSlices)
// for the headless Services: it keeps a hosts file in which each headless
// Service's name, <service>.<namespace>.svc.cluster.local, has one line per
// address the Service publishes. Nodes mount it at /etc/hosts in every
// container (Config.HostsFile), so a process resolving the name (a Ray
// worker reconnecting to its GCS through the head Service) finds the
// current head's address at its next lookup, as it would ask CoreDNS again.
//
// What it models and what not: the addresses are the pods the Service's
// selector picks that have a pod IP, are not terminating and are not done,
// Ready ones only unless the Service publishes not-Ready addresses; that is
// the EndpointSlice controller's rule, read from the pods directly because
// the endpoint controllers refuse loopback addresses. There is no record
// TTL or cache: a lookup sees a change at once (CoreDNS caches up to 30 s by
// default, resolvers may cache too). Services with a cluster IP get no
// record (there is no Service network), nor do per-pod names.
type ClusterDNS struct {
	path string
	base []byte // the machine's /etc/hosts, kept first
	log  func(format string, args ...any)

	services cache.Indexer
	pods     cache.Indexer
	cancel   context.CancelFunc
	wg       sync.WaitGroup

	mu      sync.Mutex
	written []byte
}

// StartClusterDNS watches the Services and Pods of the cluster and keeps
// the hosts file at path up to date until Stop; it returns once the file
// holds the records of the first lists.
func StartClusterDNS(cfg *rest.Config, path string, log func(format string, args ...any)) (*ClusterDNS, error) {
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("cluster DNS: building client: %w", err)
	}
	base, err := os.ReadFile("/etc/hosts")
	if err != nil {
		return nil, fmt.Errorf("cluster DNS: reading the machine's hosts file: %w", err)
	}
	if log == nil {
		log = func(string, ...any) {}
	}
	ctx, cancel := context.WithCancel(context.Background())
	d := &ClusterDNS{path: path, base: base, log: log, cancel: cancel}
	f := informers.NewSharedInformerFactory(cs, 0)
	svcInf, podInf := f.Core().V1().Services().Informer(), f.Core().V1().Pods().Informer()
	d.services, d.pods = svcInf.GetIndexer(), podInf.GetIndexer()
	onChange := cache.ResourceEventHandlerFuncs{
		AddFunc:    func(any) { d.sync() },
		UpdateFunc: func(any, any) { d.sync() },
		DeleteFunc: func(any) { d.sync() },
	}
	for _, inf := range []cache.SharedIndexInformer{svcInf, podInf} {
		if _, err := inf.AddEventHandler(onChange); err != nil {
			cancel()
			return nil, fmt.Errorf("cluster DNS: %w", err)
		}
	}
	d.wg.Go(func() { f.Start(ctx.Done()); f.WaitForCacheSync(ctx.Done()); <-ctx.Done(); f.Shutdown() })
	if !cache.WaitForCacheSync(ctx.Done(), svcInf.HasSynced, podInf.HasSynced) {
		cancel()
		return nil, fmt.Errorf("cluster DNS: informers never synced")
	}
	if err := d.write(); err != nil {
		d.Stop()
		return nil, err
	}
	return d, nil
}

// Path is the hosts file to mount at /etc/hosts.
func (d *ClusterDNS) Path() string { return d.path }

// Stop ends the watches; the file keeps its last records.
func (d *ClusterDNS) Stop() {
	d.cancel()
	d.wg.Wait()
}

func (d *ClusterDNS) sync() {
	if err := d.write(); err != nil {
		d.log("cluster DNS: %v", err)
	}
}

// write rewrites the hosts file when its records changed. In place, not by
// rename: containers have the file's inode bind-mounted.
func (d *ClusterDNS) write() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	content := d.render()
	if bytes.Equal(content, d.written) {
		return nil
	}
	if err := os.WriteFile(d.path, content, 0o644); err != nil {
		return fmt.Errorf("writing %s: %w", d.path, err)
	}
	d.written = content
	d.log("cluster DNS: records now:\n%s", strings.TrimSpace(string(content[len(d.base):])))
	return nil
}

// render is the machine's hosts file followed by one line per address of
// each headless Service, sorted so that a rewrite happens only on a change.
func (d *ClusterDNS) render() []byte {
	var lines []string
	for _, o := range d.services.List() {
		svc, ok := o.(*corev1.Service)
		if !ok || svc.Spec.ClusterIP != corev1.ClusterIPNone || len(svc.Spec.Selector) == 0 {
			continue
		}
		name := fmt.Sprintf("%s.%s.svc.%s", svc.Name, svc.Namespace, ClusterDomain)
		for _, ip := range d.addresses(svc) {
			lines = append(lines, ip+" "+name)
		}
	}
	slices.Sort(lines)
	var b bytes.Buffer
	b.Write(d.base)
	if len(d.base) > 0 && d.base[len(d.base)-1] != '\n' {
		b.WriteByte('\n')
	}
	b.WriteString("# cluster DNS (prockubelet ClusterDNS): headless Services\n")
	for _, l := range lines {
		b.WriteString(l + "\n")
	}
	return b.Bytes()
}

// addresses are the pod IPs the Service publishes (see ClusterDNS).
func (d *ClusterDNS) addresses(svc *corev1.Service) []string {
	sel := labels.SelectorFromSet(svc.Spec.Selector)
	var ips []string
	for _, o := range d.pods.List() {
		p, ok := o.(*corev1.Pod)
		if !ok || p.Namespace != svc.Namespace || !sel.Matches(labels.Set(p.Labels)) {
			continue
		}
		if p.Status.PodIP == "" || p.DeletionTimestamp != nil || terminal(p) {
			continue
		}
		if svc.Spec.PublishNotReadyAddresses || podReady(p) {
			ips = append(ips, p.Status.PodIP)
		}
	}
	return ips
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}
