// Command imagebuild builds the image a Dockerfile's last stage describes
// without a container engine, with go-containerregistry, and writes it as
// an OCI archive (an OCI image layout in a tar), which `podman load`,
// `skopeo copy oci-archive:` and `crane push` take. The last stage must
// start FROM scratch and use only LABEL, ARG, ENV, COPY, USER, WORKDIR and
// ENTRYPOINT; files a COPY --from takes from an earlier stage are passed
// with -stage-file (the Makefile builds them as that stage would).
//
// `make docker-build` and `make bundle-build` run it when no docker or
// podman answers.
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
)

func main() {
	var o options
	buildArgs, stageFiles := keyValueFlag{}, keyValueFlag{}
	flag.StringVar(&o.dockerfile, "dockerfile", "Dockerfile", "the Dockerfile whose last stage is built")
	flag.StringVar(&o.context, "context", ".", "the build context COPY reads from")
	flag.StringVar(&o.tag, "tag", "", "the image reference recorded in the archive (org.opencontainers.image.ref.name)")
	flag.StringVar(&o.arch, "arch", "", "the one architecture the image claims (GOARCH naming); required")
	flag.StringVar(&o.out, "out", "", "the OCI archive to write; required")
	flag.Var(buildArgs, "build-arg", "NAME=VALUE for an ARG (repeatable)")
	flag.Var(stageFiles, "stage-file", "STAGE:/path=local for a file COPY --from=STAGE takes (repeatable)")
	flag.Parse()
	o.buildArgs, o.stageFiles = buildArgs, stageFiles
	if err := build(o); err != nil {
		fmt.Fprintln(os.Stderr, "imagebuild:", err)
		os.Exit(1)
	}
}

// keyValueFlag collects repeated KEY=VALUE flags.
type keyValueFlag map[string]string

func (f keyValueFlag) String() string { return fmt.Sprint(map[string]string(f)) }

func (f keyValueFlag) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok {
		return fmt.Errorf("want KEY=VALUE, got %q", s)
	}
	f[k] = v
	return nil
}
