# syntax=docker/dockerfile:1
# The robot-id agent as a container. Build from the repository root:
#   docker build -t robot-id .
#   docker buildx build --platform linux/amd64,linux/arm64 -t robot-id .
# Every step here is one the smoke test (test/integration/binary.test.ts) also runs outside
# Docker: the same `npm run build:binary`, the same executable, the same `robot-id health`.
# See docs/packaging.md.

# The build stage runs on the builder's own architecture and cross-builds the executable for
# the target one (the single-executable build needs no emulation). Its Node must be exactly
# the version scripts/build-binary.mjs pins (NODE_VERSION): the blob is tied to it.
FROM --platform=$BUILDPLATFORM node:20.20.2-bookworm-slim AS build
ARG TARGETARCH
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts: the package's prepare step builds from sources not copied yet; the build
# below makes what the image needs.
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY . .
RUN case "$TARGETARCH" in \
      amd64) arch=x64 ;; \
      arm64) arch=arm64 ;; \
      *) echo "unsupported TARGETARCH $TARGETARCH" >&2; exit 1 ;; \
    esac \
 && npm run build:binary -- --arch "$arch" \
 && install -m 0755 "dist/robot-id-linux-$arch" /robot-id

# The runtime stage: the single executable on plain Debian (glibc and libstdc++ come with it).
# Pinned to one dated Debian 12 build (bookworm, 2025-12-29), as the build stage is pinned to one
# Node release, so a rebuild gets the same base. To pin the bytes too, append the digest of that
# tag's multi-platform index (`docker buildx imagetools inspect debian:bookworm-20251229-slim`,
# the `Digest:` of the index, not a per-architecture manifest, or arm64 builds break):
#   FROM debian:bookworm-20251229-slim@sha256:<index digest>
# Update deliberately: a newer dated tag, checked the same way.
FROM debian:bookworm-20251229-slim
RUN groupadd --system --gid 10001 robot-id \
 && useradd --system --uid 10001 --gid robot-id --home-dir /var/lib/robot-id --no-create-home \
      --shell /usr/sbin/nologin robot-id \
 && install -d -o robot-id -g robot-id -m 0750 /var/lib/robot-id
COPY --from=build /robot-id /usr/local/bin/robot-id
# The V8 code caches (the whole CLI's and the agent's script's), made here by the executable
# itself on the target architecture (the build stage may be another one) and owned by root: read
# at every start, never written by the container's user (docs/packaging.md, "The executable's
# code cache").
RUN robot-id --write-code-cache

# Configuration comes from ROBOT_ID_* variables (see the agent's configuration docs), e.g.
#   docker run -e ROBOT_ID_BROKER_URL=mqtts://... -e ROBOT_ID_TRUST_STORE=/var/lib/robot-id/trust.json \
#              -e ROBOT_ID_HARDWARE_ID_SOURCE=/etc/robot-hardware-id \
#              -v /etc/machine-id:/etc/robot-hardware-id:ro -v robot-id-state:/var/lib/robot-id robot-id
# The hardware identifier must come from the robot, not the container (whose /etc/machine-id is
# its own, or missing): mount the host's source read-only and point the agent at it.
# The state directory holds the device key and identity record (written by `robot-id provision`)
# and the agent's local socket; it is a volume so it survives the container.
ENV ROBOT_ID_STATE_DIR=/var/lib/robot-id
VOLUME ["/var/lib/robot-id"]
USER 10001:10001

# Asks the running agent over its local socket (found through ROBOT_ID_STATE_DIR); fails when
# the agent stops making progress (docs/local-api.md §"GET /v1/health").
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 CMD ["robot-id", "health"]

ENTRYPOINT ["robot-id"]
CMD ["agent"]
