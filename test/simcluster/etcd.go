package simcluster

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/ray-ha-operator/ray-ha-operator/test/freeport"
)

// startEtcd runs a single-member etcd on two free loopback ports (client and
// peer: etcd's default peer port would collide between clusters).
func (c *Cluster) startEtcd(ctx context.Context) error {
	clientPort, err := freeport.Get()
	if err != nil {
		return err
	}
	peerPort, err := freeport.Get()
	if err != nil {
		return err
	}
	c.etcdURL = fmt.Sprintf("http://127.0.0.1:%d", clientPort)
	peerURL := fmt.Sprintf("http://127.0.0.1:%d", peerPort)
	args := []string{
		"--name=simcluster",
		"--data-dir=" + filepath.Join(c.dir, "etcd"),
		"--listen-client-urls=" + c.etcdURL,
		"--advertise-client-urls=" + c.etcdURL,
		"--listen-peer-urls=" + peerURL,
		"--initial-advertise-peer-urls=" + peerURL,
		"--initial-cluster=simcluster=" + peerURL,
		// Durability is worthless for a throw-away cluster; fsync would
		// only slow every write on a shared disk.
		"--unsafe-no-fsync=true",
		"--log-level=warn",
	}
	p, err := c.startComponent("etcd", "etcd", args, nil)
	if err != nil {
		return err
	}
	return waitFor(ctx, "etcd healthy", 30*time.Second, p, func(ctx context.Context) (bool, error) {
		return etcdHealthy(ctx, c.etcdURL)
	})
}

func etcdHealthy(ctx context.Context, url string) (bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/health", nil)
	if err != nil {
		return false, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false, nil // not listening yet
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode == http.StatusOK && strings.Contains(string(body), `"true"`), nil
}
