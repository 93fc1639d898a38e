#!/usr/bin/env bash
# Builds the C++ gRPC peer into build/ (generated code included: nothing
# generated is committed). Installs Debian's gRPC if missing.
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v grpc_cpp_plugin >/dev/null || ! pkg-config --exists grpc++ protobuf; then
  apt-get update -qq && apt-get install -y -qq libgrpc++-dev libprotobuf-dev libssl-dev protobuf-compiler-grpc protobuf-compiler pkg-config
fi
protos=../../../../proto
if [ build/grpc-cpp-peer -nt peer.cc ] && [ build/grpc-cpp-peer -nt peer.proto ] && [ build/grpc-cpp-peer -nt build.sh ] \
  && [ build/grpc-cpp-peer -nt $protos/sharewire/v1/check.proto ] && [ build/grpc-cpp-peer -nt $protos/sharewire/v1/diagnostics.proto ]; then
  exit 0  # up to date
fi
mkdir -p build
protoc -I . -I $protos --cpp_out=build sharewire/v1/diagnostics.proto sharewire/v1/check.proto
protoc -I . -I $protos --cpp_out=build --grpc_out=build --plugin=protoc-gen-grpc="$(command -v grpc_cpp_plugin)" peer.proto
g++ -std=c++17 -O2 -DNDEBUG -I build -o build/grpc-cpp-peer peer.cc build/peer.pb.cc build/peer.grpc.pb.cc \
  build/sharewire/v1/diagnostics.pb.cc build/sharewire/v1/check.pb.cc \
  $(pkg-config --cflags --libs grpc++ protobuf) -lcrypto -lpthread
