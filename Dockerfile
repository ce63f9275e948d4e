# syntax=docker/dockerfile:1

# Build: a static binary, no cgo (the SQLite driver is pure Go).
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/quorum ./cmd/quorum \
 && mkdir -p /out/data

# Run: distroless static, as the non-root user; no shell, so the health check
# is the binary's own subcommand.
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
