package bundle

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// imageBuildTimeout bounds one image build (the operator image compiles
// the module in its builder stage).
const imageBuildTimeout = 20 * time.Minute

// TestImagesBuild builds the operator image and the bundle image with the
// container engine `make docker-build` and `make bundle-build` use, and
// checks that the operator image runs as the numeric non-root user
// OpenShift's restricted SCC needs. Where no engine is reachable it skips,
// saying so: the same images are then built without a daemon and checked
// by TestImagesBuildWithoutDaemon, which is the build CI runs.
func TestImagesBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds container images: skipped with -short")
	}
	engine, why := containerEngine()
	if engine == "" {
		t.Skipf("no container engine here (%s): the engine build is not run; "+
			"TestImagesBuildWithoutDaemon builds and checks the same images without one", why)
	}
	l := mustLayout(t)
	tag := fmt.Sprintf("ray-ha-operator-imagetest:%d", os.Getpid())
	bundleTag := fmt.Sprintf("ray-ha-operator-bundle-imagetest:%d", os.Getpid())
	t.Cleanup(func() { _ = exec.Command(engine, "rmi", "-f", tag, bundleTag).Run() })

	runEngine(t, engine, l.Root, "build", "--build-arg", "VERSION=0.0.0-imagetest", "-t", tag, ".")
	user := strings.TrimSpace(runEngine(t, engine, l.Root, "image", "inspect", "-f", "{{.Config.User}}", tag))
	uid, _, _ := strings.Cut(user, ":")
	if n, err := strconv.Atoi(uid); err != nil || n == 0 {
		t.Errorf("the built image runs as user %q, want a numeric non-root user", user)
	}
	runEngine(t, engine, l.Root, "build", "-f", filepath.Base(l.Dockerfile), "-t", bundleTag, ".")
}

// containerEngine returns the engine the Makefile would use (CONTAINER_TOOL,
// else docker, else podman) when it answers, or why there is none.
func containerEngine() (string, string) {
	candidates := []string{"docker", "podman"}
	if tool := os.Getenv("CONTAINER_TOOL"); tool != "" {
		candidates = []string{tool}
	}
	var why []string
	for _, name := range candidates {
		path, err := exec.LookPath(name)
		if err != nil {
			why = append(why, name+" not installed")
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err = exec.CommandContext(ctx, path, "info").Run()
		cancel()
		if err != nil {
			why = append(why, fmt.Sprintf("%s info failed: %v", name, err))
			continue
		}
		return path, ""
	}
	return "", strings.Join(why, ", ")
}

// runEngine runs one engine command in dir and returns its output, failing
// the test with the output's end when the command fails.
func runEngine(t *testing.T, engine, dir string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), imageBuildTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, engine, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		tail := string(out)
		if len(tail) > 4000 {
			tail = tail[len(tail)-4000:]
		}
		t.Fatalf("%s %s: %v\n%s", filepath.Base(engine), strings.Join(args, " "), err, tail)
	}
	return string(out)
}
