# The ray-ha-operator image: a static Go binary, the Helm chart and
# watches.yaml on an empty base, run as a numeric non-root user.
#
#   make docker-build IMG=<repository>:<tag> VERSION=<semver>

# Build stage: the Go toolchain, pinned to the module's Go release.
FROM golang:1.26 AS build
ARG VERSION=dev
WORKDIR /src
# Dependencies first, so source edits reuse the module download layer.
COPY go.mod go.sum ./
RUN go mod download
COPY main.go ./
COPY api/ api/
COPY internal/ internal/
# CGO off: a static binary that needs no libc in the final image.
RUN CGO_ENABLED=0 GOOS=linux go build -trimpath \
      -ldflags "-s -w -X main.version=${VERSION}" -o /out/manager .

# Final stage: nothing but the binary, CA roots (for Redis with TLS from a
# public CA), the chart, watches.yaml and the license.
FROM scratch
ARG VERSION=dev
LABEL name="ray-ha-operator" \
      vendor="ray-ha-operator project" \
      version="${VERSION}" \
      release="1" \
      summary="Kubernetes operator for Ray clusters whose head survives failure" \
      description="Runs ray.io/v1 RayClusters with GCS fault tolerance in external Redis and replaces a failed Ray head under the same DNS name." \
      maintainer="ray-ha-operator maintainers"
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY LICENSE /licenses/LICENSE
COPY watches.yaml /opt/ray-ha-operator/watches.yaml
COPY helm-charts/ray-cluster/ /opt/ray-ha-operator/helm-charts/ray-cluster/
COPY --from=build /out/manager /manager
# Numeric, so the kubelet can check runAsNonRoot; OpenShift replaces it with
# a UID from the namespace's range (group 0), which can read every file here.
USER 65532:65532
WORKDIR /opt/ray-ha-operator
ENTRYPOINT ["/manager"]
