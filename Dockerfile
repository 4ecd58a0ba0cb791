# Multi-stage build: compile in the Rust image, run as a non-root user in a slim image.
FROM rust:1-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock build.rs ./
COPY proto proto
COPY src src
COPY benches benches
RUN cargo build --release --locked --bin notice-svc

FROM debian:bookworm-slim
RUN useradd --system --uid 10001 --no-create-home notice
COPY --from=build /src/target/release/notice-svc /usr/local/bin/notice-svc
COPY models /models
USER 10001
EXPOSE 50051
ENV NOTICE_SVC_MODELS=/models
ENTRYPOINT ["notice-svc", "serve", "--addr", "0.0.0.0:50051", "--log-json"]
