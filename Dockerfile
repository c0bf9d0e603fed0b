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
# The image the service runs is itself referenced by digest, so a deployed
# task never changes under a moving tag (the ECR tags are mutable so that a
# re-push of an unchanged context tag succeeds; see components/image.go).
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
COPY internal/jsonstrict internal/jsonstrict
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
# The task's only writable path. The task definition mounts an ephemeral
# bind volume here (components.WorkerScratchPath) over a read-only root
# filesystem. Fargate creates such a volume root-owned 0755, which user
# 65532 cannot write, unless the image declares VOLUME at the same path:
# then ECS copies the image's directory into the volume, and distroless
# ships /tmp world-writable with the sticky bit (1777). (ECS developer
# guide, "Use bind mounts": the VOLUME directive and the volume's default
# permissions.) components/dockerfile_test.go and .ci/docker-build-stage.sh
# check that this line, USER and the task definition's mount agree.
VOLUME ["/tmp"]
ENTRYPOINT ["/worker"]
