package bundle

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ray-ha-operator/ray-ha-operator/test/freeport"
	"github.com/ray-ha-operator/ray-ha-operator/test/harness"
)

const (
	catalogTestImage  = "ray-ha-operator-catalog-imagetest:v0.0.0"
	catalogConfigsDir = "/configs"
	// catalogLabel tells OLM and opm where an index image keeps its catalog.
	catalogLabel = "operators.operatorframework.io.index.configs.v1"
)

// TestCatalogImageWithoutDaemon builds the catalog image as `make
// catalog-build` does where no engine answers (IMAGE_BUILDER=go), reads the
// archive with the standard library, checks its config, labels, layers and
// files against catalog.Dockerfile and catalog/, and then runs the image's
// entrypoint (opm serve) from the unpacked image and probes it with the
// image's grpc_health_probe, as OLM's registry pod does.
func TestCatalogImageWithoutDaemon(t *testing.T) {
	if testing.Short() {
		t.Skip("builds opm and the catalog image: skipped with -short")
	}
	l := mustLayout(t)
	dir := t.TempDir()
	archive := filepath.Join(dir, "catalog.oci.tar")
	cmd := exec.Command("make", "--no-print-directory", "catalog-build",
		"IMAGE_BUILDER=go", "IMAGE_ARCH="+runtime.GOARCH, "CATALOG_IMG="+catalogTestImage,
		"IMAGE_DIR="+dir, "CATALOG_IMG_ARCHIVE="+archive)
	cmd.Dir = l.Root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make catalog-build IMAGE_BUILDER=go: %v\n%s", err, out)
	}
	img, err := readOCIArchive(archive, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Run("config, layers and files", func(t *testing.T) { checkCatalogImage(t, l, img) })
	if t.Failed() {
		return
	}
	t.Run("opm from the image serves the catalog", func(t *testing.T) { serveCatalogImage(t, l, img) })
}

func checkCatalogImage(t *testing.T, l Layout, img *ociImage) {
	checkPlatform(t, img, catalogTestImage)
	cfg := img.Config.Config
	if want := map[string]string{catalogLabel: catalogConfigsDir}; !maps.Equal(cfg.Labels, want) {
		t.Errorf("labels %v, want %v", cfg.Labels, want)
	}
	if uid, _, _ := strings.Cut(cfg.User, ":"); uid == "" || uid == "0" || !isNumber(uid) {
		t.Errorf("the image runs as user %q, want a numeric non-root user", cfg.User)
	}
	if want := []string{"/bin/opm", "serve", catalogConfigsDir}; !slices.Equal(cfg.Entrypoint, want) {
		t.Errorf("entrypoint %q, want %q", cfg.Entrypoint, want)
	}
	// One layer per COPY of catalog.Dockerfile's last stage.
	if got, want := len(img.Manifest.Layers), countCopies(t, filepath.Join(l.Root, "catalog.Dockerfile")); got != want {
		t.Errorf("%d layers, want %d (one per COPY)", got, want)
	}
	checkStaticBinary(t, img, "/bin/opm")
	checkStaticBinary(t, img, "/bin/grpc_health_probe")
	files := checkTree(t, img, catalogConfigsDir, filepath.Join(l.Root, "catalog"))
	for name, h := range img.Files {
		if strings.HasPrefix(name, catalogConfigsDir+"/") && h.Typeflag != '5' && !slices.Contains(files, name) {
			t.Errorf("%s is in the image, not in catalog/", name)
		}
	}
	if h := img.Files["/tmp"]; h == nil || h.Mode&0o777 != 0o777 {
		t.Errorf("/tmp %+v, want a directory any user can write (opm's serving cache)", h)
	}
	checkReadableByAnyone(t, img)
}

// serveCatalogImage runs the image's entrypoint with its paths in the
// unpacked image, on free ports, waits for the image's grpc_health_probe to
// report it SERVING, then reads packages, channel heads and entries over
// its gRPC API as OLM's catalog operator does: they must be the image's
// catalog, read from its files, with the bundle in bundle/ at the head.
func serveCatalogImage(t *testing.T, l Layout, img *ociImage) {
	ports := make([]string, 2)
	for i := range ports {
		p, err := freeport.Get()
		if err != nil {
			t.Fatal(err)
		}
		ports[i] = strconv.Itoa(p)
	}
	entry := img.Config.Config.Entrypoint
	args := []string{filepath.Join(img.Root, catalogConfigsDir)}
	args = append(args, entry[3:]...)
	args = append(args, "--port", ports[0], "--pprof-addr", "127.0.0.1:"+ports[1],
		"--termination-log", filepath.Join(t.TempDir(), "termination-log"))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	opm := exec.CommandContext(ctx, filepath.Join(img.Root, entry[0]), append([]string{entry[1]}, args...)...)
	opm.Env = append(os.Environ(), "TMPDIR="+t.TempDir()) // the image's /tmp
	var log bytes.Buffer
	opm.Stdout, opm.Stderr = &log, &log
	if err := opm.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- opm.Wait() }()
	t.Cleanup(func() { cancel(); <-exited })

	probe := filepath.Join(img.Root, "bin", "grpc_health_probe")
	harness.Eventually(t, 60*time.Second, "the image's opm serves the catalog", func(ctx context.Context) (bool, string, error) {
		select {
		case err := <-exited:
			exited <- err
			return false, "", fmt.Errorf("opm serve exited (%v):\n%s", err, log.String())
		default:
		}
		out, err := exec.CommandContext(ctx, probe, "-addr=127.0.0.1:"+ports[0]).CombinedOutput()
		return err == nil, strings.TrimSpace(string(out)), nil
	})

	summarize := catalogTool(t, l)
	served := summarize("-addr", "127.0.0.1:"+ports[0])
	if written := summarize("-dir", filepath.Join(img.Root, catalogConfigsDir)); served != written {
		t.Errorf("the registry serves\n%s\nthe catalog in the image holds\n%s", served, written)
	}
	csv, _, err := l.ReadCSV()
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Packages []struct {
			Name  string            `json:"name"`
			Heads map[string]string `json:"heads"`
		} `json:"packages"`
	}
	if err := json.Unmarshal([]byte(served), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Packages) != 1 || got.Packages[0].Name != Package {
		t.Fatalf("served packages %+v, want %s only", got.Packages, Package)
	}
	for ch, head := range got.Packages[0].Heads {
		if head != csv.Name {
			t.Errorf("channel %s: head %s, want the CSV in bundle/, %s", ch, head, csv.Name)
		}
	}
}

// catalogTool builds hack/catalog (a module of its own, on
// operator-registry) and returns its summary command.
func catalogTool(t *testing.T, l Layout) func(args ...string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "catalog")
	build := exec.Command("go", "build", "-tags", "containers_image_openpgp", "-o", bin, ".")
	build.Dir = filepath.Join(l.Root, "hack", "catalog")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building hack/catalog: %v\n%s", err, out)
	}
	return func(args ...string) string {
		t.Helper()
		out, err := exec.Command(bin, append([]string{"summary"}, args...)...).Output()
		if err != nil {
			t.Fatalf("catalog summary %s: %v", strings.Join(args, " "), err)
		}
		return string(out)
	}
}

func countCopies(t *testing.T, dockerfile string) int {
	t.Helper()
	lines := strings.Split(string(mustRead(t, dockerfile)), "\n")
	last := 0
	for i, line := range lines {
		if strings.HasPrefix(line, "FROM ") {
			last = i
		}
	}
	n := 0
	for _, line := range lines[last:] {
		if strings.HasPrefix(line, "COPY ") {
			n++
		}
	}
	return n
}

func isNumber(s string) bool {
	_, err := strconv.Atoi(s)
	return err == nil
}
