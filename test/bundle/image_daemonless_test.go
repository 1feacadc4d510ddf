package bundle

import (
	"bytes"
	"debug/elf"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ray-ha-operator/ray-ha-operator/test/simcluster"
)

// imageTestVersion is the VERSION the test builds the images with.
const imageTestVersion = "0.0.0-imagetest"

// builtImages are the two OCI archives of one daemonless build.
type builtImages struct{ operator, bundle string }

// TestImagesBuildWithoutDaemon builds the operator and bundle images the
// way `make docker-build bundle-build` does where no docker or podman
// answers (IMAGE_BUILDER=go), reads the archives with the standard library
// only, checks each image's config and files against the Dockerfiles and
// the source tree, and then runs the operator binary taken out of the
// image, from the image's WORKDIR (its watches.yaml and chart), installed
// from the bundle image's manifests, until it has reconciled a RayCluster.
func TestImagesBuildWithoutDaemon(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the operator and its images: skipped with -short")
	}
	l := mustLayout(t)
	built := buildImagesWithoutDaemon(t, l)

	op, err := readOCIArchive(built.operator, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	bundleImg, err := readOCIArchive(built.bundle, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Run("operator image", func(t *testing.T) { checkOperatorImage(t, l, op) })
	t.Run("bundle image", func(t *testing.T) { checkBundleImage(t, l, bundleImg) })
	if t.Failed() {
		return
	}

	t.Run("binary from the image reconciles a RayCluster", func(t *testing.T) {
		c := simcluster.StartForTest(t, simcluster.Options{Nodes: 2})
		fromImages := Layout{Root: l.Root, BundleDir: bundleImg.Root}
		bin := operatorBinary{
			bin: filepath.Join(op.Root, op.Config.Config.Entrypoint[0]),
			dir: filepath.Join(op.Root, op.Config.Config.WorkingDir),
		}
		testLifecycleWithBundleRBAC(t, c, adminClient(t, c), fromImages, installModeNamed(t, "AllNamespaces"), bin)
	})
}

// buildImagesWithoutDaemon runs the Makefile's daemonless image build into
// a temporary directory.
func buildImagesWithoutDaemon(t *testing.T, l Layout) builtImages {
	t.Helper()
	dir := t.TempDir()
	built := builtImages{operator: filepath.Join(dir, "operator.oci.tar"), bundle: filepath.Join(dir, "bundle.oci.tar")}
	cmd := exec.Command("make", "--no-print-directory", "docker-build", "bundle-build",
		"IMAGE_BUILDER=go", "IMAGE_ARCH="+runtime.GOARCH, "VERSION="+imageTestVersion,
		"IMG=ray-ha-operator-imagetest:"+imageTestVersion, "BUNDLE_IMG=ray-ha-operator-bundle-imagetest:"+imageTestVersion,
		"IMAGE_DIR="+dir, "IMG_ARCHIVE="+built.operator, "BUNDLE_IMG_ARCHIVE="+built.bundle)
	cmd.Dir = l.Root
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("make docker-build bundle-build IMAGE_BUILDER=go: %v\n%s", err, out)
	}
	return built
}

func checkOperatorImage(t *testing.T, l Layout, img *ociImage) {
	checkPlatform(t, img, "ray-ha-operator-imagetest:"+imageTestVersion)
	cfg := img.Config.Config
	uid, gid, _ := strings.Cut(cfg.User, ":")
	if n, err := strconv.Atoi(uid); err != nil || n == 0 {
		t.Errorf("the image runs as user %q, want a numeric non-root user", cfg.User)
	}
	if _, err := strconv.Atoi(gid); gid != "" && err != nil {
		t.Errorf("the image's group %q is not numeric", gid)
	}
	facts := parseFinalStage(mustRead(t, filepath.Join(l.Root, "Dockerfile")))
	if cfg.User != facts.user {
		t.Errorf("image user %q, Dockerfile says %q", cfg.User, facts.user)
	}
	if cmd := managerDeployment(t, l).Spec.Template.Spec.Containers[0].Command; !slices.Equal(cfg.Entrypoint, cmd) {
		t.Errorf("image entrypoint %v, the manager Deployment runs %v", cfg.Entrypoint, cmd)
	}
	if len(cfg.Entrypoint) == 0 {
		t.Fatal("the image has no entrypoint")
	}
	checkLabelKeys(t, cfg.Labels, facts.labels)
	if got := cfg.Labels["version"]; got != imageTestVersion {
		t.Errorf("label version=%q, want the VERSION built, %q", got, imageTestVersion)
	}
	checkStaticBinary(t, img, cfg.Entrypoint[0])
	for dest, src := range map[string]string{
		"/licenses/LICENSE":                            "LICENSE",
		"/opt/ray-ha-operator/watches.yaml":            "watches.yaml",
		"/opt/ray-ha-operator/helm-charts/ray-cluster": "helm-charts/ray-cluster",
	} {
		checkTree(t, img, dest, filepath.Join(l.Root, src))
	}
	if h := img.Files["/etc/ssl/certs/ca-certificates.crt"]; h == nil || h.Size == 0 {
		t.Error("the image has no CA roots at /etc/ssl/certs/ca-certificates.crt")
	}
	checkReadableByAnyone(t, img)
}

func checkBundleImage(t *testing.T, l Layout, img *ociImage) {
	checkPlatform(t, img, "ray-ha-operator-bundle-imagetest:"+imageTestVersion)
	want := bundleLabels(t, l)
	if len(want) == 0 {
		t.Fatal("bundle.Dockerfile declares no labels")
	}
	for k, v := range want {
		if got, ok := img.Config.Config.Labels[k]; !ok || got != v {
			t.Errorf("bundle image label %s=%q, bundle.Dockerfile says %q", k, got, v)
		}
	}
	if len(img.Config.Config.Labels) != len(want) {
		t.Errorf("bundle image labels %v, bundle.Dockerfile has %d", img.Config.Config.Labels, len(want))
	}
	var files []string
	for name, h := range img.Files {
		if h.Typeflag != '5' {
			files = append(files, name)
		}
	}
	var wantFiles []string
	for _, dir := range []string{"manifests", "metadata", "tests/scorecard"} {
		wantFiles = append(wantFiles, checkTree(t, img, "/"+dir, filepath.Join(l.BundleDir, filepath.FromSlash(dir)))...)
	}
	slices.Sort(files)
	slices.Sort(wantFiles)
	if !slices.Equal(files, wantFiles) {
		t.Errorf("bundle image files %v, want exactly the bundle's %v", files, wantFiles)
	}
}

// checkPlatform: the archive claims one image, for linux and the one
// architecture built, under the reference it was built as.
func checkPlatform(t *testing.T, img *ociImage, ref string) {
	t.Helper()
	p := img.Index.Platform
	if p == nil || p.OS != "linux" || p.Architecture != runtime.GOARCH {
		t.Errorf("index platform %+v, want linux/%s only", p, runtime.GOARCH)
	}
	if img.Config.OS != "linux" || img.Config.Architecture != runtime.GOARCH {
		t.Errorf("config platform %s/%s, want linux/%s", img.Config.OS, img.Config.Architecture, runtime.GOARCH)
	}
	if got := img.Index.Annotations["org.opencontainers.image.ref.name"]; got != ref {
		t.Errorf("image reference %q, want %q", got, ref)
	}
}

// checkLabelKeys: the image carries exactly the Dockerfile's labels, with
// every build argument substituted.
func checkLabelKeys(t *testing.T, got map[string]string, want map[string]bool) {
	t.Helper()
	for k := range want {
		if _, ok := got[k]; !ok {
			t.Errorf("label %s of the Dockerfile missing from the image", k)
		}
	}
	for k, v := range got {
		if !want[k] {
			t.Errorf("label %s=%q is not in the Dockerfile", k, v)
		}
		if strings.Contains(v, "$") || v == "" {
			t.Errorf("label %s=%q was not substituted", k, v)
		}
	}
}

// checkStaticBinary: the entrypoint is an executable ELF for the claimed
// architecture with no program interpreter, so it runs on an empty base.
func checkStaticBinary(t *testing.T, img *ociImage, entry string) {
	t.Helper()
	h := img.Files[entry]
	if h == nil {
		t.Fatalf("entrypoint %s is not in the image", entry)
	}
	if h.Mode&0o111 != 0o111 {
		t.Errorf("%s has mode %o, want executable by anyone", entry, h.Mode)
	}
	f, err := elf.Open(filepath.Join(img.Root, entry))
	if err != nil {
		t.Fatalf("%s: %v", entry, err)
	}
	defer f.Close()
	if want := map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}[runtime.GOARCH]; want != 0 && f.Machine != want {
		t.Errorf("%s is built for %s, the image claims %s", entry, f.Machine, runtime.GOARCH)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Errorf("%s is dynamically linked (has a program interpreter); the image has no libc", entry)
		}
	}
}

// checkTree: the image holds the file or directory src at dest, with the
// same contents file by file; it returns the image paths of the files.
func checkTree(t *testing.T, img *ociImage, dest, src string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		name := path.Join(dest, filepath.ToSlash(rel))
		if rel == "." {
			name = dest
		}
		files = append(files, name)
		want, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		got, err := os.ReadFile(filepath.Join(img.Root, filepath.FromSlash(name)))
		if img.Files[name] == nil || err != nil {
			t.Errorf("%s (from %s) is not in the image", name, rel)
		} else if !bytes.Equal(got, want) {
			t.Errorf("%s in the image differs from %s", name, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Errorf("nothing to compare at %s", src)
	}
	return files
}

// checkReadableByAnyone: every file belongs to root, so the image's
// non-root user (and the random UID OpenShift assigns) reads them through
// the "other" bits.
func checkReadableByAnyone(t *testing.T, img *ociImage) {
	t.Helper()
	for name, h := range img.Files {
		need := int64(0o004)
		if h.Typeflag == '5' {
			need = 0o005
		}
		if h.Mode&need != need {
			t.Errorf("%s has mode %o: the image's user cannot read it", name, h.Mode)
		}
	}
}

// bundleLabels are the LABELs bundle.Dockerfile declares (one key=value per
// LABEL, as the bundle generator writes them).
func bundleLabels(t *testing.T, l Layout) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, line := range strings.Split(string(mustRead(t, l.Dockerfile)), "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "LABEL "); ok {
			k, v, _ := strings.Cut(rest, "=")
			out[k] = strings.Trim(v, `"`)
		}
	}
	return out
}

func installModeNamed(t *testing.T, name string) installMode {
	t.Helper()
	for _, m := range installModes {
		if m.name == name {
			return m
		}
	}
	t.Fatalf("no install mode %s", name)
	return installMode{}
}
