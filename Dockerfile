# syntax=docker/dockerfile:1
# smartmon: one image for the console (`serve`, the compose service `gui`) and the collector (`agent`, the
# compose services `orchestrator_lab` / `orchestrator_prod`). Build: docker build -t smartmon:local .
# Base images are pinned by tag; a release pipeline should pin them by digest (tag@sha256:...) as well.

FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY . .
# Cache mounts keep cargo's downloads and compiled dependencies between builds (BuildKit and buildah both
# honour them; they are never part of an image), so a source edit recompiles smartmon alone. The binary
# is copied out of the cached target directory, which is not in the layer.
RUN --mount=type=cache,id=smartmon-cargo-registry,target=/usr/local/cargo/registry \
    --mount=type=cache,id=smartmon-cargo-git,target=/usr/local/cargo/git \
    --mount=type=cache,id=smartmon-target,target=/src/target \
    cargo build --release --locked --bin smartmon \
    && install -D -m 0755 target/release/smartmon /out/smartmon

FROM debian:bookworm-slim AS runtime
# smartmontools: SMART health for the collector; ca-certificates: TLS to Cloudflare Access's key endpoint
# and to SMTP relays; tzdata: the time zones of recurring maintenance windows (/usr/share/zoneinfo).
RUN apt-get update \
    && apt-get install -y --no-install-recommends smartmontools ca-certificates tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 smartmon \
    && useradd --system --uid 10001 --gid smartmon --home-dir /app --shell /usr/sbin/nologin smartmon \
    && install -d -o smartmon -g smartmon -m 0750 /app/data \
    && install -d -m 0755 /app/config

COPY --from=build /out/smartmon /usr/local/bin/smartmon
# The deployment spec's systemctl-shim contract, answered by `smartmon units` over D-Bus.
COPY packaging/systemctl-shim /usr/local/bin/systemctl-shim

# MALLOC_MMAP_THRESHOLD_: glibc hands large blocks (argon2's 19 MiB per password check) back to the
# system when freed instead of keeping them on the heap (BENCHMARKS.md, footprint).
ENV GUI_BIND=0.0.0.0 \
    GUI_PORT=5003 \
    SMARTMONITOR_DB_PATH=/app/data/smartmon.db \
    LOG_LEVEL=INFO \
    MALLOC_MMAP_THRESHOLD_=131072
WORKDIR /app
USER 10001:10001
EXPOSE 5003
HEALTHCHECK --interval=30s --timeout=10s --start-period=20s --retries=3 CMD ["smartmon", "healthcheck"]
ENTRYPOINT ["smartmon"]
CMD ["serve"]
