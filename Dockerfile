# syntax=docker/dockerfile:1
# smartmon: one image for the console (`serve`, the compose service `gui`) and the collector (`agent`, the
# compose services `orchestrator_lab` / `orchestrator_prod`). Build: docker build -t smartmon:local .
# Base images are pinned by tag; a release pipeline should pin them by digest (tag@sha256:...) as well.

FROM rust:1.95-slim-bookworm AS chef
RUN cargo install cargo-chef --locked --version 0.1.78
WORKDIR /src

# The recipe: every workspace member's manifest and the lock file, nothing else. It changes only when
# dependencies do, so the next stage's dependency layer is reused across source edits.
FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

FROM chef AS build
COPY --from=planner /src/recipe.json recipe.json
RUN cargo chef cook --release --locked --recipe-path recipe.json --bin smartmon
COPY . .
RUN cargo build --release --locked --bin smartmon \
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
