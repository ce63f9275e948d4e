# syntax=docker/dockerfile:1

# Build: a static binary, no cgo (the SQLite driver is pure Go). The build
# context has no .git, so what `quorum version` prints comes in as build
# arguments (README, "Docker"); left out, it says devel and unknown.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION="" COMMIT="" DATE=""
RUN CGO_ENABLED=0 go build -trimpath \
      -ldflags="-s -w -X main.version=${VERSION} -X main.commit=${COMMIT} -X main.date=${DATE}" \
      -o /out/quorum ./cmd/quorum \
 && mkdir -p /out/data

# Run: distroless static, as the non-root user; no shell, so the health check
# is the binary's own subcommand. SQLite in /data by default; a node of a
# cluster gets its shared stores from the environment (docs/cluster.md):
#   QUORUM_DATABASE_URL=postgres://user:password@db:5432/quorum
#   QUORUM_NATS_URL=nats://nats:4222
#   QUORUM_NODE_ID=<the pod's name>
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/quorum /quorum
COPY --from=build --chown=nonroot:nonroot /out/data /data
ENV QUORUM_ADDR=:8080 \
    QUORUM_DATA=/data
VOLUME /data
EXPOSE 8080
USER nonroot:nonroot
HEALTHCHECK --interval=30s --timeout=5s --start-period=5s --retries=3 CMD ["/quorum", "healthcheck"]
ENTRYPOINT ["/quorum"]
