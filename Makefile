# ray-ha-operator Makefile. `make help` lists the targets.

SHELL := /usr/bin/env bash -o pipefail
.SHELLFLAGS := -ec

ROOT        := $(abspath .)
BIN         := $(ROOT)/bin
TESTBIN     := $(BIN)/testbin
GO          ?= go
GOTEST_TIMEOUT ?= 60m

# Go tools built from the module proxy, pinned.
CONTROLLER_GEN_VERSION ?= v0.23.0
KUSTOMIZE_VERSION      ?= v5.8.1
HELM_VERSION           ?= v3.22.0
CONTROLLER_GEN := $(BIN)/controller-gen-$(CONTROLLER_GEN_VERSION)
KUSTOMIZE      := $(BIN)/kustomize-$(KUSTOMIZE_VERSION)
HELM           := $(BIN)/helm-$(HELM_VERSION)

# KubeRay's ray-operator (see `make kuberay`) for the migration test
# (test/migrate), which finds it through KUBERAY_OPERATOR.
KUBERAY_VERSION ?= v1.5.0
KUBERAY ?= $(BIN)/kuberay-operator-$(KUBERAY_VERSION)
export KUBERAY_OPERATOR := $(KUBERAY)

export KUBEBUILDER_ASSETS := $(TESTBIN)
export TESTBIN_DIR := $(TESTBIN)

# Ray for the real-Ray tests (test/ray), in a virtualenv; keep RAY_VERSION
# equal to RayVersion in test/ray/values.go.
RAY_VERSION ?= 2.60.0
export RAY_VENV := $(BIN)/ray-venv

.PHONY: help
help: ## Show this help.
	@awk 'BEGIN {FS = ":.*##"} /^[a-zA-Z0-9_-]+:.*##/ {printf "  %-18s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

##@ Main commands

# DEMO_ARGS passes flags to the demo, e.g. DEMO_ARGS='--scenario node-lost --keep'.
DEMO_ARGS ?=

.PHONY: demo
demo: testbin redis-server-check ## Simulated cluster + Redis + operator + a RayCluster, then head failures and their recovery.
	@$(GO) build -o $(BIN)/demo ./hack/demo
	@$(BIN)/demo $(DEMO_ARGS)

# The run's output goes through hack/testreport: each package's result as it
# finishes, the whole output of failed tests, then the skipped tests with
# their reasons. TEST_PKGS narrows the run, e.g. TEST_PKGS=./internal/...
TEST_PKGS ?= ./...
# Modules of their own whose tests run after TEST_PKGS, in the same report
# (TEST_MODULES= skips them). containers_image_openpgp: see catalog below.
TEST_MODULES ?= hack/catalog

.PHONY: test
test: testbin redis-server-check ray-venv-if-possible $(CONTROLLER_GEN) $(HELM) $(KUBERAY) ## Run every test tier: unit, envtest, simulated cluster, real Ray (when installable); ends with the skipped tests and why.
	@$(GO) build -o $(BIN)/testreport ./hack/testreport
	{ rc=0; $(GO) test -json -timeout $(GOTEST_TIMEOUT) -count=1 $(TEST_PKGS) || rc=1; \
	  for m in $(TEST_MODULES); do (cd $$m && $(GO) test -json -timeout $(GOTEST_TIMEOUT) -count=1 -tags containers_image_openpgp ./...) || rc=1; done; \
	  exit $$rc; } 2>&1 | $(BIN)/testreport

##@ Development

# BENCH_ARGS passes flags to the bench, e.g. BENCH_ARGS='-clusters 1000 -runs 10'
# (`go run ./test/bench/cmd/bench -h` lists them); its last phase runs KubeRay's
# operator (`make kuberay`) and this one side by side (BENCH_ARGS='-phases versus' alone).
BENCH_ARGS ?=

.PHONY: bench
bench: testbin redis-server-check kuberay ## Measure head recovery, reconcile cost and scale on the simulated cluster (and side by side with KubeRay); writes docs/benchmarks.md and .json.
	$(GO) run ./test/bench/cmd/bench $(BENCH_ARGS)

.PHONY: test-ray
test-ray: ray-venv redis-server-check ## Run the real-Ray tests (installs Ray on first use); regenerates docs/gcs-ha-ray-behaviour.md.
	RAY_WRITE_DOCS=1 $(GO) test -timeout 30m -count=1 -v ./test/ray/...

.PHONY: test-unit
test-unit: ## Run only the fast tests (no Kubernetes binaries, no Redis).
	$(GO) test -short -count=1 ./...

.PHONY: build
build: ## Build the operator binary into bin/manager.
	$(GO) build -o $(BIN)/manager .

.PHONY: run
run: ## Run the operator from this folder against the cluster in KUBECONFIG.
	$(GO) run . --watches-file=watches.yaml

.PHONY: fmt
fmt: ## gofmt every Go file.
	gofmt -w $$(git ls-files '*.go')

.PHONY: vet
vet: ## go vet every package.
	$(GO) vet ./...

.PHONY: testbin
testbin: ## Build etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok (cached).
	@cd hack/testbin && $(GO) run . -out $(TESTBIN)

# OLM v0's olm operator for TestRealOLM (test/bundle), built from the module
# proxy in hack/olm, a module of its own; keep equal to OLMVersion there.
OLM_VERSION ?= v0.38.0

.PHONY: olm
olm: $(BIN)/olm-$(OLM_VERSION) ## Build OLM's olm operator (hack/olm) into bin/olm-$(OLM_VERSION) (cached).
$(BIN)/olm-$(OLM_VERSION):
	cd hack/olm && $(GO) build -o $@ github.com/operator-framework/operator-lifecycle-manager/cmd/olm

# KubeRay's ray-operator for the side-by-side bench and the migration test,
# built from the module proxy in hack/kuberay, a module of its own.

.PHONY: kuberay
kuberay: $(KUBERAY) ## Build KubeRay's ray-operator (hack/kuberay) into bin/kuberay-operator-$(KUBERAY_VERSION) (cached).
$(KUBERAY):
	cd hack/kuberay && $(GO) build -o $@ github.com/ray-project/kuberay/ray-operator

.PHONY: ray-venv
ray-venv: ## Create bin/ray-venv with ray[default]==$(RAY_VERSION) (once; reused after).
	@$(ROOT)/hack/rayenv/ensure-venv.sh $(RAY_VENV) $(RAY_VERSION)

.PHONY: ray-venv-if-possible
ray-venv-if-possible: ## Like ray-venv, but only says why when Python or the package index is missing.
	@$(ROOT)/hack/rayenv/ensure-venv.sh $(RAY_VENV) $(RAY_VERSION) --if-possible

.PHONY: redis-server-check
redis-server-check: ## Make sure redis-server is installed (apt-get when root).
	@$(ROOT)/hack/ensure-redis.sh

##@ Code generation

.PHONY: manifests
manifests: $(CONTROLLER_GEN) ## Generate the RayCluster CRD into config/crd/bases and the operator's ClusterRole into config/rbac.
	$(CONTROLLER_GEN) crd:generateEmbeddedObjectMeta=true paths=./api/... output:crd:artifacts:config=config/crd/bases
	@# RBAC markers live in internal/; ./... would also load the nested modules
	@# (hack/catalog needs cgo or a build tag there).
	$(CONTROLLER_GEN) rbac:roleName=manager-role paths=./internal/... output:rbac:artifacts:config=config/rbac
	$(GO) run ./hack/crdtrim -embedded template,headService,valueFrom config/crd/bases/ray.io_rayclusters.yaml

.PHONY: generate
generate: $(CONTROLLER_GEN) ## Generate deepcopy code (zz_generated.deepcopy.go) for api/.
	$(CONTROLLER_GEN) object:headerFile=hack/boilerplate.go.txt paths=./api/...

##@ Packaging

# Bundle version (semver) and images. Override IMAGE_TAG_BASE with your
# registry's repository, e.g. make bundle IMAGE_TAG_BASE=<registry>/<org>/ray-ha-operator.
VERSION         ?= 0.1.0
IMAGE_TAG_BASE  ?= ray-ha-operator/ray-ha-operator
IMG             ?= $(IMAGE_TAG_BASE):v$(VERSION)
BUNDLE_IMG      ?= $(IMAGE_TAG_BASE)-bundle:v$(VERSION)
CHANNELS        ?= candidate
DEFAULT_CHANNEL ?= candidate
# OpenShift releases the bundle claims (com.redhat.openshift.versions):
# v4.15 and later, the first on Kubernetes 1.28, the CSV's minKubeVersion.
OPENSHIFT_VERSIONS ?= v4.15
CONTAINER_TOOL  ?= $(shell command -v docker 2>/dev/null || command -v podman 2>/dev/null)
# How docker-build and bundle-build build: auto (CONTAINER_TOOL when its
# engine answers, else without a daemon), engine, or go (hack/imagebuild,
# go-containerregistry, into the OCI archives below; no daemon needed).
IMAGE_BUILDER   ?= auto
# The one architecture a daemonless build compiles the operator for and
# claims (GOARCH naming).
IMAGE_ARCH      ?= $(shell $(GO) env GOARCH)
IMAGE_DIR       ?= $(BIN)/images
IMG_ARCHIVE     ?= $(IMAGE_DIR)/ray-ha-operator.oci.tar
BUNDLE_IMG_ARCHIVE ?= $(IMAGE_DIR)/ray-ha-operator-bundle.oci.tar
BUNDLE_DOCKERFILE  ?= bundle.Dockerfile
# The bundle for Kubernetes clusters without the Prometheus Operator: the same
# bundle without the monitoring.coreos.com objects, which OLM cannot install
# there (docs/monitoring.md). Generated, not committed.
KUBERNETES_BUNDLE_DIR        ?= dist/bundle-kubernetes
KUBERNETES_BUNDLE_DOCKERFILE ?= bundle-kubernetes.Dockerfile
KUBERNETES_BUNDLE_IMG        ?= $(IMAGE_TAG_BASE)-bundle:v$(VERSION)-kubernetes
KUBECTL         ?= kubectl
DEPLOY_OVERLAY  := $(BIN)/deploy-overlay

.PHONY: bundle
bundle: manifests ## Regenerate bundle/ (with tests/scorecard) and bundle.Dockerfile from config/ (VERSION, IMG, CHANNELS, OPENSHIFT_VERSIONS), then validate it.
	$(GO) run ./hack/bundlegen generate -version $(VERSION) -image $(IMG) -channels $(CHANNELS) -default-channel $(DEFAULT_CHANNEL) \
		-scorecard config/scorecard -openshift-versions $(OPENSHIFT_VERSIONS)
	$(GO) run ./hack/bundlegen validate -dir bundle -dockerfile bundle.Dockerfile

.PHONY: bundle-kubernetes
bundle-kubernetes: manifests ## Write the bundle without the Prometheus Operator's kinds to KUBERNETES_BUNDLE_DIR (for OLM on Kubernetes without monitoring.coreos.com), then validate it.
	$(GO) run ./hack/bundlegen generate -version $(VERSION) -image $(IMG) -channels $(CHANNELS) -default-channel $(DEFAULT_CHANNEL) \
		-scorecard config/scorecard -openshift-versions $(OPENSHIFT_VERSIONS) -exclude-groups monitoring.coreos.com \
		-output $(KUBERNETES_BUNDLE_DIR) -dockerfile $(KUBERNETES_BUNDLE_DOCKERFILE)
	$(GO) run ./hack/bundlegen validate -dir $(KUBERNETES_BUNDLE_DIR) -dockerfile $(KUBERNETES_BUNDLE_DOCKERFILE)

.PHONY: bundle-kubernetes-build
bundle-kubernetes-build: bundle-kubernetes ## Build KUBERNETES_BUNDLE_IMG from the Kubernetes bundle, as bundle-build does.
	$(MAKE) --no-print-directory bundle-build BUNDLE_DOCKERFILE=$(KUBERNETES_BUNDLE_DOCKERFILE) BUNDLE_IMG=$(KUBERNETES_BUNDLE_IMG) \
		BUNDLE_IMG_ARCHIVE=$(IMAGE_DIR)/ray-ha-operator-bundle-kubernetes.oci.tar

.PHONY: bundle-validate
bundle-validate: ## Validate bundle/ as OperatorHub and OpenShift do (operator-framework/api validators + catalog checks).
	$(GO) run ./hack/bundlegen validate -dir bundle -dockerfile bundle.Dockerfile

.PHONY: container-tool-check
container-tool-check:
	@if [ -z "$(CONTAINER_TOOL)" ]; then \
		echo "No docker or podman found: install one (or set CONTAINER_TOOL) to build images. Nothing was built."; exit 1; fi
	@if ! $(CONTAINER_TOOL) info >/dev/null 2>&1; then \
		echo "$(CONTAINER_TOOL) is installed but cannot reach a container engine (is the daemon running?). Nothing was built."; exit 1; fi

# use-engine says "yes" when docker-build/bundle-build should use the
# container engine: IMAGE_BUILDER=engine, or auto and the engine answers.
# Used in recipes only, so other targets never wait on the engine.
use-engine = $(shell if [ "$(IMAGE_BUILDER)" = engine ]; then echo yes; \
	elif [ "$(IMAGE_BUILDER)" = auto ] && [ -n "$(CONTAINER_TOOL)" ] && $(CONTAINER_TOOL) info >/dev/null 2>&1; then echo yes; fi)
IMAGEBUILD = cd hack/imagebuild && $(GO) run . -context $(ROOT) -arch $(IMAGE_ARCH)

.PHONY: docker-build
docker-build: ## Build the operator image IMG with docker or podman, or without a daemon into IMG_ARCHIVE (see IMAGE_BUILDER).
	@if [ "$(use-engine)" = yes ]; then \
		$(MAKE) --no-print-directory container-tool-check && \
		echo "$(CONTAINER_TOOL) build --build-arg VERSION=$(VERSION) -t $(IMG) ." && \
		$(CONTAINER_TOOL) build --build-arg VERSION=$(VERSION) -t $(IMG) . ; \
	else $(MAKE) --no-print-directory docker-build-daemonless; fi

.PHONY: docker-build-daemonless
docker-build-daemonless: ## Build the operator image IMG for linux/IMAGE_ARCH into IMG_ARCHIVE without a container engine.
	@echo "No container engine used (IMAGE_BUILDER=$(IMAGE_BUILDER)): building $(IMG) for linux/$(IMAGE_ARCH) into $(IMG_ARCHIVE)."
	@mkdir -p $(IMAGE_DIR) $(dir $(IMG_ARCHIVE))
	CGO_ENABLED=0 GOOS=linux GOARCH=$(IMAGE_ARCH) $(GO) build -trimpath \
		-ldflags "-s -w -X main.version=$(VERSION)" -o $(IMAGE_DIR)/manager-linux-$(IMAGE_ARCH) .
	$(IMAGEBUILD) -dockerfile $(ROOT)/Dockerfile -build-arg VERSION=$(VERSION) -tag $(IMG) -out $(abspath $(IMG_ARCHIVE)) \
		-stage-file build:/out/manager=$(IMAGE_DIR)/manager-linux-$(IMAGE_ARCH) \
		-stage-file build:/etc/ssl/certs/ca-certificates.crt=$(CA_BUNDLE)

# The CA roots the daemonless operator image carries (the builder stage's
# file in an engine build).
CA_BUNDLE ?= /etc/ssl/certs/ca-certificates.crt

.PHONY: docker-push
docker-push: container-tool-check ## Push the operator image IMG.
	$(CONTAINER_TOOL) push $(IMG)

.PHONY: bundle-build
bundle-build: ## Build the bundle image BUNDLE_IMG from BUNDLE_DOCKERFILE, with docker or podman or without a daemon into BUNDLE_IMG_ARCHIVE.
	@if [ "$(use-engine)" = yes ]; then \
		$(MAKE) --no-print-directory container-tool-check && \
		echo "$(CONTAINER_TOOL) build -f $(BUNDLE_DOCKERFILE) -t $(BUNDLE_IMG) ." && \
		$(CONTAINER_TOOL) build -f $(BUNDLE_DOCKERFILE) -t $(BUNDLE_IMG) . ; \
	else $(MAKE) --no-print-directory bundle-build-daemonless; fi

.PHONY: bundle-build-daemonless
bundle-build-daemonless: ## Build the bundle image BUNDLE_IMG into BUNDLE_IMG_ARCHIVE without a container engine.
	@echo "No container engine used (IMAGE_BUILDER=$(IMAGE_BUILDER)): building $(BUNDLE_IMG) into $(BUNDLE_IMG_ARCHIVE)."
	@mkdir -p $(dir $(BUNDLE_IMG_ARCHIVE))
	$(IMAGEBUILD) -dockerfile $(ROOT)/$(BUNDLE_DOCKERFILE) -tag $(BUNDLE_IMG) -out $(abspath $(BUNDLE_IMG_ARCHIVE))

.PHONY: bundle-push
bundle-push: container-tool-check ## Push the bundle image BUNDLE_IMG.
	$(CONTAINER_TOOL) push $(BUNDLE_IMG)

# The file-based catalog (catalog/) and its image. hack/catalog is a module
# of its own on operator-registry; containers_image_openpgp keeps that
# library's image code off gpgme (cgo).
CATALOG_IMG         ?= $(IMAGE_TAG_BASE)-catalog:v$(VERSION)
CATALOG_IMG_ARCHIVE ?= $(IMAGE_DIR)/ray-ha-operator-catalog.oci.tar
CATALOG_GO_TAGS     := -tags containers_image_openpgp

.PHONY: catalog
catalog: ## Render catalog/ (FBC) from config/catalog/channels.yaml and bundle/ (BUNDLE_IMG, VERSION) with operator-registry's library, then validate it.
	cd hack/catalog && $(GO) run $(CATALOG_GO_TAGS) . render -bundle $(ROOT)/bundle -graph $(ROOT)/config/catalog/channels.yaml \
		-bundle-image $(BUNDLE_IMG) -version $(VERSION) -out $(ROOT)/catalog

.PHONY: catalog-validate
catalog-validate: ## Validate catalog/ as opm validate does (operator-registry's model).
	cd hack/catalog && $(GO) run $(CATALOG_GO_TAGS) . validate -dir $(ROOT)/catalog

.PHONY: catalog-build
catalog-build: ## Build the catalog image CATALOG_IMG (opm serving catalog/) with docker or podman, or without a daemon into CATALOG_IMG_ARCHIVE.
	@if [ "$(use-engine)" = yes ]; then \
		$(MAKE) --no-print-directory container-tool-check && \
		echo "$(CONTAINER_TOOL) build -f catalog.Dockerfile -t $(CATALOG_IMG) ." && \
		$(CONTAINER_TOOL) build -f catalog.Dockerfile -t $(CATALOG_IMG) . ; \
	else $(MAKE) --no-print-directory catalog-build-daemonless; fi

# The daemonless catalog build compiles the builder stage's opm and
# grpc_health_probe as catalog.Dockerfile does and stages an empty,
# world-writable /tmp.
CATALOG_STAGE := $(IMAGE_DIR)/catalog-stage-$(IMAGE_ARCH)

.PHONY: catalog-build-daemonless
catalog-build-daemonless: ## Build the catalog image CATALOG_IMG for linux/IMAGE_ARCH into CATALOG_IMG_ARCHIVE without a container engine.
	@echo "No container engine used (IMAGE_BUILDER=$(IMAGE_BUILDER)): building $(CATALOG_IMG) for linux/$(IMAGE_ARCH) into $(CATALOG_IMG_ARCHIVE)."
	@rm -rf $(CATALOG_STAGE) && mkdir -p $(CATALOG_STAGE)/tmp $(dir $(CATALOG_IMG_ARCHIVE)) && chmod 0777 $(CATALOG_STAGE)/tmp
	cd hack/catalog && opm_version=$$(awk '$$1 == "github.com/operator-framework/operator-registry" { print $$2 }' go.mod) && \
		CGO_ENABLED=0 GOOS=linux GOARCH=$(IMAGE_ARCH) $(GO) build $(CATALOG_GO_TAGS) -trimpath \
			-ldflags "-s -w -X github.com/operator-framework/operator-registry/cmd/opm/version.opmVersion=$$opm_version" \
			-o $(CATALOG_STAGE)/opm github.com/operator-framework/operator-registry/cmd/opm && \
		CGO_ENABLED=0 GOOS=linux GOARCH=$(IMAGE_ARCH) $(GO) build -trimpath -ldflags "-s -w" \
			-o $(CATALOG_STAGE)/grpc_health_probe github.com/grpc-ecosystem/grpc-health-probe
	$(IMAGEBUILD) -dockerfile $(ROOT)/catalog.Dockerfile -tag $(CATALOG_IMG) -out $(abspath $(CATALOG_IMG_ARCHIVE)) \
		-stage-file opm:/out/opm=$(CATALOG_STAGE)/opm \
		-stage-file opm:/out/grpc_health_probe=$(CATALOG_STAGE)/grpc_health_probe \
		-stage-file opm:/out/tmp/=$(CATALOG_STAGE)/tmp

.PHONY: catalog-push
catalog-push: container-tool-check ## Push the catalog image CATALOG_IMG.
	$(CONTAINER_TOOL) push $(CATALOG_IMG)

# deploy renders config/default through a throw-away overlay that sets IMG,
# so the committed kustomizations keep their placeholder image.
.PHONY: deploy-manifests
deploy-manifests: $(KUSTOMIZE)
	@rm -rf $(DEPLOY_OVERLAY) && mkdir -p $(DEPLOY_OVERLAY)
	@cd $(DEPLOY_OVERLAY) && $(KUSTOMIZE) create --resources ../../config/default && $(KUSTOMIZE) edit set image controller=$(IMG)

.PHONY: deploy
deploy: deploy-manifests ## Install the CRD, RBAC and the operator (image IMG) into the cluster in KUBECONFIG.
	$(KUSTOMIZE) build $(DEPLOY_OVERLAY) | $(KUBECTL) apply -f -

.PHONY: undeploy
undeploy: deploy-manifests ## Remove what deploy installed (RayClusters first, so their finalizers can run).
	-$(KUBECTL) delete rayclusters.ray.io --all --all-namespaces --wait=true
	$(KUSTOMIZE) build $(DEPLOY_OVERLAY) | $(KUBECTL) delete --ignore-not-found -f -

##@ Tools

$(CONTROLLER_GEN):
	@echo "building controller-gen $(CONTROLLER_GEN_VERSION)"
	@GOBIN=$(BIN)/.gobin-cg $(GO) install sigs.k8s.io/controller-tools/cmd/controller-gen@$(CONTROLLER_GEN_VERSION) && mv $(BIN)/.gobin-cg/controller-gen $@ && rm -rf $(BIN)/.gobin-cg

$(KUSTOMIZE):
	@echo "building kustomize $(KUSTOMIZE_VERSION)"
	@GOBIN=$(BIN)/.gobin-kz $(GO) install sigs.k8s.io/kustomize/kustomize/v5@$(KUSTOMIZE_VERSION) && mv $(BIN)/.gobin-kz/kustomize $@ && rm -rf $(BIN)/.gobin-kz

# helm is built with the -X flags of Helm's own release build (its Makefile):
# its version, and the Kubernetes version a client-only `helm template` or
# `helm lint` assumes, derived as Helm derives it from the k8s.io/client-go
# its go.mod requires (v0.N.x: Kubernetes 1.N). Without them, helm reports
# no version and assumes Kubernetes 1.20, which the chart's kubeVersion
# (>= 1.28) refuses.
$(HELM):
	@echo "building helm $(HELM_VERSION)"
	@gomod=$$($(GO) mod download -json helm.sh/helm/v3@$(HELM_VERSION) | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",*$$/\1/p'); \
	clientgo=$$(awk '$$1 == "k8s.io/client-go" { sub(/^v/, "", $$2); print $$2 }' "$$gomod"); \
	if [ -z "$$clientgo" ]; then echo "cannot find k8s.io/client-go in helm $(HELM_VERSION)'s go.mod ($$gomod)"; exit 1; fi; \
	major=$$(( $${clientgo%%.*} + 1 )); minor=$$(echo "$$clientgo" | cut -d. -f2); \
	ldflags="-X helm.sh/helm/v3/internal/version.version=$(HELM_VERSION) -X helm.sh/helm/v3/internal/version.gitTreeState=clean"; \
	for pkg in helm.sh/helm/v3/pkg/lint/rules helm.sh/helm/v3/pkg/chartutil; do \
		ldflags="$$ldflags -X $$pkg.k8sVersionMajor=$$major -X $$pkg.k8sVersionMinor=$$minor"; \
	done; \
	echo "helm $(HELM_VERSION): client-only Kubernetes version $$major.$$minor"; \
	GOBIN=$(BIN)/.gobin-helm CGO_ENABLED=0 $(GO) install -ldflags "$$ldflags" helm.sh/helm/v3/cmd/helm@$(HELM_VERSION) && mv $(BIN)/.gobin-helm/helm $@ && rm -rf $(BIN)/.gobin-helm

.PHONY: controller-gen kustomize helm
controller-gen: $(CONTROLLER_GEN) ## Build controller-gen.
kustomize: $(KUSTOMIZE) ## Build kustomize.
helm: $(HELM) ## Build the helm CLI.
