# syntax=docker/dockerfile:1
# secretary as a container: a static musl binary on an empty (scratch) image
# with CA certificates for live AWS calls, nothing else.
#
#   docker build -t secretary .
#   docker run --rm -v "$PWD:/src" secretary check secretary.yaml
#
# The release workflow publishes it as ghcr.io/secretary-rs/secretary:vX.Y.Z;
# scripts/docker-check.sh builds and tries it. Built with the released
# profile (`--profile dist --locked`), as the release binaries are.

# The Rust image for the build: Alpine's toolchain targets musl natively, so
# the binary is static. Must be at least Cargo.toml's rust-version.
ARG RUST_IMAGE=rust:1-alpine

FROM ${RUST_IMAGE} AS build
# C toolchain for the crates that build C (ring, mimalloc); no cmake or Perl
# since the SDK's TLS moved from aws-lc to ring (docs/src/building.md).
RUN apk add --no-cache musl-dev build-base ca-certificates
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --locked --profile dist \
 && cp target/dist/secretary /usr/local/bin/secretary \
 && /usr/local/bin/secretary --version

FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /usr/local/bin/secretary /usr/local/bin/secretary
# An unprivileged user by default; pre-commit's docker hooks pass --user.
USER 65532:65532
WORKDIR /src
ENTRYPOINT ["/usr/local/bin/secretary"]
CMD ["--help"]
