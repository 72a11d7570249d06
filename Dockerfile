# camlytics-gateway: a small container to run beside your apps (sidecar) or as one shared service.
# Build: docker build -t camlytics-gateway .
# The binary is built with the same command .ci/run uses (a test keeps the two equal).

# --- build stage: dependencies first, so they are cached until Cargo.toml/Cargo.lock change ---
FROM rust:1-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
RUN mkdir src && echo 'fn main() {}' > src/main.rs && touch src/lib.rs \
    && cargo build --release --locked --bin camlytics-gateway \
    && rm -rf src
COPY src ./src
# Newer mtimes than the dummy build's, so cargo rebuilds the crate itself.
RUN touch src/main.rs src/lib.rs \
    && cargo build --release --locked --bin camlytics-gateway

# --- runtime stage: debian-slim, a non-root user, state on a volume ---
FROM debian:bookworm-slim
RUN useradd --system --uid 10001 --home-dir /nonexistent --shell /usr/sbin/nologin gateway \
    && mkdir -p /var/lib/camlytics-gateway \
    && chown gateway /var/lib/camlytics-gateway
COPY --from=build /src/target/release/camlytics-gateway /usr/local/bin/camlytics-gateway
USER 10001
ENV GATEWAY_LISTEN=0.0.0.0:8080 \
    GATEWAY_STATE_DIR=/var/lib/camlytics-gateway \
    RUST_LOG=info
# The nonce high-water mark lives here: keep it on a persistent volume so restarts never reuse a nonce.
VOLUME ["/var/lib/camlytics-gateway"]
EXPOSE 8080
# No curl in the image: the binary asks its own /healthz.
HEALTHCHECK --interval=15s --timeout=5s --start-period=5s --retries=3 \
    CMD ["camlytics-gateway", "healthcheck"]
ENTRYPOINT ["camlytics-gateway"]
CMD ["serve"]
