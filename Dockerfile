# SPDX-License-Identifier: MIT
# Copyright (c) 2026 The wrenmq Authors
#
# The wrenmq broker as a static binary in a distroless image, run as a
# non-root user.
#
#   docker build -t wrenmq .
#   docker run --rm -p 1883:1883 -p 1882:1882 -p 8080:8080 \
#     -v "$PWD/ledger.yaml:/etc/wrenmq/ledger.yaml:ro" wrenmq
#
# The default command listens on every interface, so it needs an auth
# ledger (tools/README.md explains the file; tools/cmd/wrenmq-passwd makes
# password hashes). To use a full configuration file instead:
#
#   docker run ... -v "$PWD/wrenmq.yaml:/etc/wrenmq/wrenmq.yaml:ro" wrenmq -config /etc/wrenmq/wrenmq.yaml
#
# Persistent storage (storage: {backend: badger, badger: {dir: /data}})
# writes to the /data volume, owned by the non-root user.

ARG GO_VERSION=1.26

FROM golang:${GO_VERSION} AS build
WORKDIR /src
ENV CGO_ENABLED=0 GOFLAGS=-buildvcs=false
# The whole workspace: go.work names every module.
COPY . .
RUN cd tools && go mod download
ARG VERSION=dev
RUN go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/wrenmq ./tools/cmd/wrenmq \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/wrenmq /wrenmq
COPY --from=build --chown=nonroot:nonroot /out/data /data
USER nonroot:nonroot
VOLUME ["/data"]
# 1883 MQTT over TCP, 1882 MQTT over WebSocket (any path, e.g. /mqtt), 8080 stats, health and metrics.
EXPOSE 1883 1882 8080
ENTRYPOINT ["/wrenmq"]
CMD ["-tcp", "0.0.0.0:1883", "-ws", "0.0.0.0:1882", "-http", "0.0.0.0:8080", "-ledger", "/etc/wrenmq/ledger.yaml"]
