# The catalog image of ray-ha-operator: the file-based catalog in catalog/
# (`make catalog`) under /configs, served over gRPC by opm, as OLM's
# CatalogSource runs it (port 50051, probed with grpc_health_probe).
#
#   make catalog-build CATALOG_IMG=<repository>:<tag>

# Build stage: opm and grpc_health_probe at the versions hack/catalog/go.mod
# pins, from the module proxy.
FROM golang:1.26 AS opm
WORKDIR /src
COPY hack/catalog/go.mod hack/catalog/go.sum ./
# CGO off: static binaries for an empty base. containers_image_openpgp:
# signature code in pure Go instead of gpgme (which needs cgo).
RUN opm_version=$(awk '$1 == "github.com/operator-framework/operator-registry" { print $2 }' go.mod) && \
    CGO_ENABLED=0 GOOS=linux go build -tags containers_image_openpgp -trimpath \
      -ldflags "-s -w -X github.com/operator-framework/operator-registry/cmd/opm/version.opmVersion=${opm_version}" \
      -o /out/opm github.com/operator-framework/operator-registry/cmd/opm && \
    CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags "-s -w" \
      -o /out/grpc_health_probe github.com/grpc-ecosystem/grpc-health-probe && \
    mkdir -m 0777 /out/tmp

# Final stage: the two binaries, the catalog and a /tmp any user can write:
# opm builds its serving cache in a temporary directory at start (a catalog
# of one package takes well under a second), as whatever UID the pod gets
# (arbitrary on OpenShift). No pre-built cache: building one takes RUN.
FROM scratch
LABEL operators.operatorframework.io.index.configs.v1=/configs
COPY --from=opm /out/opm /bin/opm
COPY --from=opm /out/grpc_health_probe /bin/grpc_health_probe
COPY --from=opm /out/tmp/ /tmp/
COPY catalog/ /configs/
USER 65532:65532
ENTRYPOINT ["/bin/opm", "serve", "/configs"]
