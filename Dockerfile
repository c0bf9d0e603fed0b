# The worker image: a static Go binary on distroless, run as non-root.
# (No "# syntax=" line: the BuildKit built-in Dockerfile frontend supports
# RUN --mount, and that avoids pulling an unpinned frontend image.)
#
# Base images are pinned by tag here; pin them by digest for releases with
#   --build-arg GO_IMAGE=golang:1.26.8@sha256:<digest>
#   --build-arg RUNTIME_IMAGE=gcr.io/distroless/static-debian12:nonroot@sha256:<digest>
# (`docker buildx imagetools inspect <image>` prints the digest). No digest
# is written in this file because none could be verified against the
# registries when it was written; an unverified digest is worse than a tag.
# The image the service runs is itself referenced by digest (ECR, immutable
# tags), so a deployed task never changes under a moving tag.
ARG GO_IMAGE=golang:1.26.8
ARG RUNTIME_IMAGE=gcr.io/distroless/static-debian12:nonroot

FROM ${GO_IMAGE} AS build
WORKDIR /src
# GOTOOLCHAIN=local: build with the image's Go, never download another.
ENV GOTOOLCHAIN=local GOFLAGS=-mod=readonly
COPY go.mod go.sum ./
COPY scripts/build-worker.sh scripts/
COPY components/asl components/asl
COPY components/workflow components/workflow
COPY worker worker
# The same script CI runs; it also fails the build if the binary outgrows
# its size budget.
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    scripts/build-worker.sh /out/worker

FROM ${RUNTIME_IMAGE}
COPY --from=build /out/worker /worker
# distroless "nonroot": uid and gid 65532. Numeric, so ECS and Kubernetes
# can check runAsNonRoot without a passwd lookup.
USER 65532:65532
ENTRYPOINT ["/worker"]
