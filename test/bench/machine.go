/*
Copyright 2026 The ray-ha-operator Authors.
*/

package bench

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strings"

	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"
)

// Machine describes where the numbers were taken.
type Machine struct {
	CPUs     int     `json:"cpus"`
	CPUModel string  `json:"cpuModel,omitempty"`
	MemGiB   float64 `json:"memGiB"`
	Kernel   string  `json:"kernel,omitempty"`
}

// Versions are the parts the numbers depend on.
type Versions struct {
	Go                string `json:"go"`
	Kubernetes        string `json:"kubernetes"`
	Helm              string `json:"helm"`
	ControllerRuntime string `json:"controllerRuntime"`
	Redis             string `json:"redis,omitempty"`
	Commit            string `json:"commit,omitempty"`
}

func readMachine() Machine {
	m := Machine{CPUs: runtime.NumCPU(), MemGiB: round3(float64(procStatusBytes("/proc/meminfo", "MemTotal:")) / (1 << 30))}
	m.CPUModel = firstField("/proc/cpuinfo", "model name")
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	return m
}

// firstField returns the value of the first "key : value" line of path.
func firstField(path, key string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// readVersions reads them; cfg (the cluster, for its version) may be nil.
func readVersions(ctx context.Context, cfg *rest.Config, root string) Versions {
	v := Versions{Go: runtime.Version(), Helm: moduleVersion("helm.sh/helm/v3"),
		ControllerRuntime: moduleVersion("sigs.k8s.io/controller-runtime")}
	if cfg != nil {
		v.Kubernetes = serverVersion(cfg)
	}
	if out, err := exec.CommandContext(ctx, "redis-server", "--version").Output(); err == nil {
		for _, f := range strings.Fields(string(out)) {
			if strings.HasPrefix(f, "v=") {
				v.Redis = strings.TrimPrefix(f, "v=")
			}
		}
	}
	cmd := exec.CommandContext(ctx, "git", "rev-parse", "--short", "HEAD")
	cmd.Dir = root
	if out, err := cmd.Output(); err == nil {
		v.Commit = strings.TrimSpace(string(out))
	}
	return v
}

// serverVersion is the API server's version ("" when unknown).
func serverVersion(cfg *rest.Config) string {
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return ""
	}
	info, err := dc.ServerVersion()
	if err != nil {
		return ""
	}
	return info.GitVersion
}

// moduleVersion reads a dependency's version from the build information.
func moduleVersion(path string) string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	for _, d := range info.Deps {
		if d.Path == path {
			return d.Version
		}
	}
	return ""
}
