package prockubelet

import (
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/rest"

	"github.com/ray-ha-operator/ray-ha-operator/test/simcluster"
)

// Config describes one process-kubelet node.
type Config struct {
	// RESTConfig reaches the API server; the kubelet acts with its rights.
	RESTConfig *rest.Config
	// NodeName is the Node the kubelet creates and serves.
	NodeName string
	// Labels are added to the Node (pods select the node by them).
	Labels map[string]string
	// Capacity is the Node's capacity and allocatable (default: the
	// simulated nodes' simcluster.DefaultNodeCapacity).
	Capacity corev1.ResourceList
	// Dir holds the pods' folders and logs. Keep its path short: Ray puts
	// unix sockets under a pod's TMPDIR, and a socket path must stay under
	// 108 bytes.
	Dir string
	// BaseEnv is what the image would provide before the container's env
	// (PATH with Ray first, say), as NAME=value pairs.
	BaseEnv []string
	// HostsFile is the cluster DNS's hosts file (ClusterDNS.Path), mounted
	// at /etc/hosts in every container and exec, in a mount namespace of
	// the container's own: names of headless Services then resolve to the
	// addresses they publish now. Empty: the machine's /etc/hosts. Needs
	// root (unshare, mount).
	HostsFile string
	// ImageUser owns the folder standing for the image's HOME. A container
	// whose securityContext sets another runAsUser cannot write it, as an
	// OpenShift-assigned UID cannot write /home/ray of the stock Ray image
	// (default: that image's user, 1000, group 100).
	ImageUser ImageUser
	// ImagePaths are paths (the Python that Ray runs on) that the image
	// holds readable by any user but that lie here under a folder only its
	// owner may enter (/root): a container running as another user sees
	// them through a mount namespace of its own (see imagePathMounts).
	ImagePaths []string
	// ServiceAccountTokens makes the node project each pod's ServiceAccount
	// token (TokenRequest, bound to the pod), the API server's CA and the
	// namespace at /var/run/secrets/kubernetes.io/serviceaccount, in a mount
	// namespace of each container's own, and set KUBERNETES_SERVICE_HOST
	// and _PORT(_HTTPS) to the API server, as a kubelet does. Off by default:
	// it needs root (unshare, mount).
	ServiceAccountTokens bool
	// ImagePulls is the image-pull MODEL (one per cluster, shared by its
	// nodes): a pod whose images the model does not have on this node
	// starts its containers only after their modelled cold pull. Nil: every
	// image is there at once.
	ImagePulls *simcluster.ImagePullModel
	// LeaseRenewInterval is how often the node Lease is renewed (default 1 s).
	LeaseRenewInterval time.Duration
	// StatusInterval is how often the Node's Ready heartbeat is written
	// (default 5 s).
	StatusInterval time.Duration
	// Log receives progress lines (default: discarded).
	Log func(format string, args ...any)
}

func (c Config) withDefaults() (Config, error) {
	switch {
	case c.RESTConfig == nil:
		return c, fmt.Errorf("prockubelet: no RESTConfig")
	case c.NodeName == "":
		return c, fmt.Errorf("prockubelet: no NodeName")
	case c.Dir == "":
		return c, fmt.Errorf("prockubelet: no Dir")
	}
	if c.ImageUser == (ImageUser{}) {
		c.ImageUser = ImageUser{UID: 1000, GID: 100}
	}
	if c.Capacity == nil {
		c.Capacity = simcluster.DefaultNodeCapacity()
	}
	if c.LeaseRenewInterval == 0 {
		c.LeaseRenewInterval = time.Second
	}
	if c.StatusInterval == 0 {
		c.StatusInterval = 5 * time.Second
	}
	if c.Log == nil {
		c.Log = func(string, ...any) {}
	}
	return c, nil
}

// ImageUser is the user an image's files belong to.
type ImageUser struct{ UID, GID int }
