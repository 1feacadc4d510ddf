package kuberay

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// oracleResult mirrors the oracle's output for one RayCluster (see
// oracle/main.go): KubeRay's refusal, or its head pod and one pod per
// worker group.
type oracleResult struct {
	Name     string         `json:"name"`
	Rejected string         `json:"rejected,omitempty"`
	Error    string         `json:"error,omitempty"`
	Head     *corev1.Pod    `json:"head,omitempty"`
	Workers  []oracleWorker `json:"workers,omitempty"`
	oracleNetwork
	oracleBatch
	oracleAutoscaler
}

type oracleWorker struct {
	Group string     `json:"group"`
	Pod   corev1.Pod `json:"pod"`
}

// oracleBinary is where the oracle is cached: <repo>/bin/kuberay-oracle,
// next to the other built tools. A stamp file beside it holds a hash of
// the oracle's sources (go.mod, go.sum, *.go); the binary is rebuilt when
// the stamp differs, so editing the oracle or bumping KubeRay takes effect
// on the next run, and an unchanged oracle is not rebuilt (KubeRay's
// dependency tree takes minutes to compile on a cold cache).
const (
	oracleBinaryName = "kuberay-oracle"
	oracleStampName  = "kuberay-oracle.sources-sha256"
)

var (
	oracleOnce sync.Once
	oraclePath string
	oracleErr  error
)

// buildOracle returns the path of an up-to-date oracle binary, building it
// when needed, once per process.
func buildOracle() (string, error) {
	oracleOnce.Do(func() { oraclePath, oracleErr = ensureOracle() })
	return oraclePath, oracleErr
}

func ensureOracle() (string, error) {
	root, err := repoRoot()
	if err != nil {
		return "", err
	}
	src := filepath.Join(root, "test", "kuberay", "oracle")
	sum, err := sourcesHash(src)
	if err != nil {
		return "", err
	}
	bin := filepath.Join(root, "bin", oracleBinaryName)
	stamp := filepath.Join(root, "bin", oracleStampName)
	if old, err := os.ReadFile(stamp); err == nil && string(old) == sum {
		if _, err := os.Stat(bin); err == nil {
			return bin, nil
		}
	}
	if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
		return "", fmt.Errorf("creating bin folder: %w", err)
	}
	// Build to a temporary name and rename, so a concurrent run never
	// executes a half-written binary.
	tmp := fmt.Sprintf("%s.tmp-%d", bin, os.Getpid())
	cmd := exec.Command("go", "build", "-o", tmp, ".")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		_ = os.Remove(tmp)
		return "", fmt.Errorf("building the KubeRay oracle in %s: %w\n%s", src, err, out)
	}
	if err := os.Rename(tmp, bin); err != nil {
		return "", fmt.Errorf("installing the KubeRay oracle: %w", err)
	}
	if err := os.WriteFile(stamp, []byte(sum), 0o644); err != nil {
		return "", fmt.Errorf("writing the oracle's stamp: %w", err)
	}
	return bin, nil
}

// sourcesHash hashes the oracle module's go.mod, go.sum and Go files.
func sourcesHash(dir string) (string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", fmt.Errorf("reading the oracle's sources: %w", err)
	}
	var names []string
	for _, e := range entries {
		n := e.Name()
		if !e.IsDir() && (n == "go.mod" || n == "go.sum" || strings.HasSuffix(n, ".go")) {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			return "", fmt.Errorf("reading the oracle's sources: %w", err)
		}
		fmt.Fprintf(h, "%s %d\n", n, len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// runOracle has KubeRay build the pods of every cluster, in one run, with
// the oracle's flags in args (-batch-scheduler). The oracle gets an empty
// environment: KubeRay reads feature switches from it, and the comparison
// is with KubeRay's defaults.
func runOracle(clusters []*unstructured.Unstructured, args ...string) ([]oracleResult, error) {
	bin, err := buildOracle()
	if err != nil {
		return nil, err
	}
	in, err := json.Marshal(clusters)
	if err != nil {
		return nil, fmt.Errorf("encoding RayClusters for the oracle: %w", err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = []string{}
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("running the KubeRay oracle: %w\n%s", err, stderr.String())
	}
	var results []oracleResult
	if err := json.Unmarshal(out, &results); err != nil {
		return nil, fmt.Errorf("reading the oracle's output: %w", err)
	}
	if len(results) != len(clusters) {
		return nil, fmt.Errorf("the oracle answered %d results for %d clusters", len(results), len(clusters))
	}
	return results, nil
}
