// Command testbin builds the Kubernetes binaries the tests run against
// (etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok)
// from the Go module proxy, so no download site is needed.
//
// Binaries are kept in a cache folder keyed by their versions (outside the
// work tree, so a fresh clone on the same machine finds them) and linked into
// the output folder. A second run with everything cached is instant.
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

const (
	kubernetesVersion = "v1.37.2"
	kwokVersion       = "v0.8.0"
	// buildRecipe changes the cache key when the way binaries are built
	// changes (flags, stamping); bump it with such a change.
	buildRecipe = "ldflags-stamped-1"
)

// binary is one program to build.
type binary struct {
	name    string
	pkg     string // package path, built inside this module
	install string // package@version, built with `go install` outside this module
}

var binaries = []binary{
	{name: "etcd", pkg: "./etcd"},
	{name: "kube-apiserver", pkg: "k8s.io/kubernetes/cmd/kube-apiserver"},
	{name: "kube-controller-manager", pkg: "k8s.io/kubernetes/cmd/kube-controller-manager"},
	{name: "kube-scheduler", pkg: "k8s.io/kubernetes/cmd/kube-scheduler"},
	{name: "kwok", install: "sigs.k8s.io/kwok/cmd/kwok@" + kwokVersion},
}

// kwokStages are the stage configurations of the kwok module that the
// simulated cluster loads: nodes become Ready and keep a Lease, pods run.
var kwokStages = []string{
	"kustomize/stage/node/fast",
	"kustomize/stage/node/heartbeat-with-lease",
	"kustomize/stage/pod/fast",
}

func main() {
	out := flag.String("out", "../../bin/testbin", "folder that receives the binaries")
	cache := flag.String("cache", defaultCache(), "folder that keeps built binaries across clones")
	flag.Parse()
	if err := run(*out, *cache); err != nil {
		fmt.Fprintln(os.Stderr, "testbin:", err)
		os.Exit(1)
	}
}

func defaultCache() string {
	if dir, err := os.UserCacheDir(); err == nil {
		return filepath.Join(dir, "ray-ha-operator", "testbin")
	}
	return filepath.Join(os.TempDir(), "ray-ha-operator-testbin")
}

func run(out, cacheRoot string) error {
	key, err := cacheKey()
	if err != nil {
		return err
	}
	cache := filepath.Join(cacheRoot, key)
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return fmt.Errorf("creating cache folder: %w", err)
	}
	for i, b := range binaries {
		target := filepath.Join(cache, b.name)
		if _, err := os.Stat(target); err == nil {
			continue
		}
		fmt.Printf("testbin: [%d/%d] building %s (first time only; kube-* take a few minutes each on 2 cores)\n", i+1, len(binaries), b.name)
		start := time.Now()
		if err := build(b, target); err != nil {
			return fmt.Errorf("building %s: %w", b.name, err)
		}
		fmt.Printf("testbin: [%d/%d] %s built in %s\n", i+1, len(binaries), b.name, time.Since(start).Round(time.Second))
	}
	if err := copyKwokStages(filepath.Join(cache, "kwok-stages")); err != nil {
		return err
	}
	if err := linkAll(cache, out); err != nil {
		return err
	}
	fmt.Printf("testbin: Kubernetes %s and kwok %s ready in %s\n", kubernetesVersion, kwokVersion, out)
	return nil
}

// cacheKey names the cache folder after the versions and the exact module
// graph, so a change of go.sum gives a fresh build.
func cacheKey() (string, error) {
	sum, err := os.ReadFile("go.sum")
	if err != nil {
		return "", fmt.Errorf("reading go.sum (run from hack/testbin): %w", err)
	}
	h := sha256.New()
	h.Write(sum)
	h.Write([]byte(buildRecipe))
	return fmt.Sprintf("k8s-%s-kwok-%s-%s", kubernetesVersion, kwokVersion, hex.EncodeToString(h.Sum(nil))[:12]), nil
}

func build(b binary, target string) error {
	tmp := target + ".tmp"
	var cmd *exec.Cmd
	if b.install != "" {
		gobin, err := os.MkdirTemp(filepath.Dir(target), "gobin-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(gobin)
		cmd = exec.Command("go", "install", b.install)
		cmd.Env = append(os.Environ(), "GOBIN="+gobin, "GOFLAGS=")
		if err := runCmd(cmd); err != nil {
			return err
		}
		return os.Rename(filepath.Join(gobin, b.name), target)
	}
	ldflags := strings.Join([]string{
		"-s", "-w",
		"-X k8s.io/component-base/version.gitVersion=" + kubernetesVersion,
		"-X k8s.io/component-base/version.gitMajor=1",
		"-X k8s.io/component-base/version.gitMinor=37",
		"-X k8s.io/component-base/version.gitTreeState=clean",
	}, " ")
	cmd = exec.Command("go", "build", "-o", tmp, "-ldflags", ldflags, b.pkg)
	if err := runCmd(cmd); err != nil {
		return err
	}
	return os.Rename(tmp, target)
}

func runCmd(cmd *exec.Cmd) error {
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr
	return cmd.Run()
}

// copyKwokStages copies kwok's stage files out of the module cache.
func copyKwokStages(dst string) error {
	if _, err := os.Stat(dst); err == nil {
		return nil
	}
	dl := exec.Command("go", "mod", "download", "-json", "sigs.k8s.io/kwok@"+kwokVersion)
	dl.Env = append(os.Environ(), "GOFLAGS=")
	outJSON, err := dl.Output()
	if err != nil {
		return fmt.Errorf("locating kwok module: %w", err)
	}
	dir := jsonField(string(outJSON), "Dir")
	if dir == "" {
		return errors.New("kwok module has no Dir in `go mod download` output")
	}
	tmp := dst + ".tmp"
	_ = os.RemoveAll(tmp)
	for _, stage := range kwokStages {
		src := filepath.Join(dir, stage)
		entries, err := os.ReadDir(src)
		if err != nil {
			return fmt.Errorf("reading kwok stages %s: %w", stage, err)
		}
		for _, e := range entries {
			if e.IsDir() || !strings.HasSuffix(e.Name(), ".yaml") || e.Name() == "kustomization.yaml" {
				continue
			}
			name := strings.ReplaceAll(strings.TrimPrefix(stage, "kustomize/stage/"), "/", "-") + "-" + e.Name()
			if err := copyFile(filepath.Join(src, e.Name()), filepath.Join(tmp, name)); err != nil {
				return err
			}
		}
	}
	return os.Rename(tmp, dst)
}

func jsonField(doc, field string) string {
	marker := "\"" + field + "\": \""
	i := strings.Index(doc, marker)
	if i < 0 {
		return ""
	}
	rest := doc[i+len(marker):]
	return rest[:strings.Index(rest, "\"")]
}

func copyFile(src, dst string) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// linkAll points out/<name> at the cached files.
func linkAll(cache, out string) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	names := []string{"kwok-stages"}
	for _, b := range binaries {
		names = append(names, b.name)
	}
	for _, name := range names {
		link := filepath.Join(out, name)
		_ = os.RemoveAll(link)
		if err := os.Symlink(filepath.Join(cache, name), link); err != nil {
			return fmt.Errorf("linking %s: %w", name, err)
		}
	}
	return nil
}
