// C++ gRPC peer for tools/bench/compare (docs/PERFORMANCE.md).
//
//   grpc-cpp-peer [--port N]
//
// Serves sharewire.v1.Diagnostics/Echo and sharewire.v1.CheckService/Check
// with Debian's gRPC C++ (synchronous API, its default thread pool),
// plaintext HTTP/2 on 127.0.0.1. Prints a "check: key=… user=… device=…
// port=22" line and "listening on 127.0.0.1:PORT", then serves until SIGTERM.
//
// Check does the work of Sharewire's Check (Sources/SharewireServer/
// CheckService.swift, AuthCache.swift; SharingState+Check.swift): the bearer
// key from the metadata through a direct-mapped cache of recently
// authenticated keys (constant-time key compare, then the account's key
// digest re-checked in the snapshot; SHA-256 only on a miss), the act-as
// refusal, id parsing, the owner rule, the port range, then two hash lookups
// (device, share) and a scan of the device's services. C++ has no persistent
// (HAMT) dictionary in its standard library: the snapshot is an immutable
// state behind a shared_ptr with std::unordered_map inside, which is, if
// anything, cheaper than Sharewire's tries.
#include <grpcpp/grpcpp.h>
#include <openssl/sha.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "peer.grpc.pb.h"

namespace {

using Digest = std::array<unsigned char, 32>;

Digest sha256(std::string_view s) {
  Digest d;
  SHA256(reinterpret_cast<const unsigned char*>(s.data()), s.size(), d.data());
  return d;
}

bool constant_time_equal(const unsigned char* a, const unsigned char* b, size_t n) {
  unsigned char diff = 0;
  for (size_t i = 0; i < n; i++) diff |= a[i] ^ b[i];
  return diff == 0;
}

struct Service {
  uint64_t id;
  uint16_t port;
};
struct Device {
  uint64_t owner;
  std::vector<Service> services;
};
enum class Mode { all, ports };
struct Share {
  Mode mode;
  std::unordered_set<uint64_t> services;
};
struct ShareKeyHash {
  size_t operator()(const std::pair<uint64_t, uint64_t>& k) const {
    return std::hash<uint64_t>()(k.first * 0x9E3779B97F4A7C15ULL ^ k.second);
  }
};

struct State {
  uint64_t revision = 0;
  std::unordered_map<uint64_t, Digest> accounts;  // id -> key digest
  std::unordered_map<std::string, uint64_t> account_by_key_hash;
  std::unordered_map<uint64_t, Device> devices;
  std::unordered_map<std::pair<uint64_t, uint64_t>, Share, ShareKeyHash> shares;  // (device, user)

  bool check(uint64_t user, uint64_t device, uint16_t port) const {
    auto d = devices.find(device);
    if (d == devices.end()) return false;
    auto listens = [&](auto pred) {
      for (const auto& s : d->second.services)
        if (s.port == port && pred(s)) return true;
      return false;
    };
    if (d->second.owner == user) return listens([](const Service&) { return true; });
    auto sh = shares.find({device, user});
    if (sh == shares.end()) return false;
    if (sh->second.mode == Mode::all) return listens([](const Service&) { return true; });
    return listens([&](const Service& s) { return sh->second.services.count(s.id) > 0; });
  }

  bool authenticate(std::string_view key, uint64_t* out) const {
    if (key.size() != 67 || key.substr(0, 3) != "sw_") return false;
    Digest h = sha256(key);
    auto it = account_by_key_hash.find(std::string(reinterpret_cast<const char*>(h.data()), h.size()));
    if (it == account_by_key_hash.end()) return false;
    auto a = accounts.find(it->second);
    if (a == accounts.end() || !constant_time_equal(a->second.data(), h.data(), 32)) return false;
    *out = it->second;
    return true;
  }
};

class Snapshots {
 public:
  explicit Snapshots(std::shared_ptr<const State> s) : current_(std::move(s)) {}
  std::shared_ptr<const State> latest() {
    std::lock_guard<std::mutex> lock(mu_);
    return current_;
  }

 private:
  std::mutex mu_;
  std::shared_ptr<const State> current_;
};

// Sharewire's AuthCache: direct-mapped, 4096 slots, keyed by the key's hash.
class AuthCache {
 public:
  explicit AuthCache(size_t capacity) : slots_(capacity), mask_(capacity - 1) {}

  bool authenticate(std::string_view key, const State& state, uint64_t* out) {
    size_t slot = std::hash<std::string_view>()(key) & mask_;
    Entry cached;
    {
      std::lock_guard<std::mutex> lock(mu_);
      cached = slots_[slot];
    }
    if (cached.valid && cached.key.size() == key.size() &&
        constant_time_equal(reinterpret_cast<const unsigned char*>(cached.key.data()),
                            reinterpret_cast<const unsigned char*>(key.data()), key.size())) {
      auto a = state.accounts.find(cached.account);
      if (a != state.accounts.end() && constant_time_equal(a->second.data(), cached.digest.data(), 32)) {
        *out = cached.account;
        return true;
      }
    }
    uint64_t id;
    if (!state.authenticate(key, &id)) return false;
    Entry e{true, std::string(key), id, state.accounts.at(id)};
    {
      std::lock_guard<std::mutex> lock(mu_);
      slots_[slot] = std::move(e);
    }
    *out = id;
    return true;
  }

 private:
  struct Entry {
    bool valid = false;
    std::string key;
    uint64_t account = 0;
    Digest digest{};
  };
  std::mutex mu_;
  std::vector<Entry> slots_;
  size_t mask_;
};

bool parse_id(std::string_view text, std::string_view prefix, uint64_t* out) {
  if (text.size() <= prefix.size() || text.substr(0, prefix.size()) != prefix) return false;
  uint64_t v = 0;
  std::string_view digits = text.substr(prefix.size());
  if (digits.size() > 19 || (digits.size() > 1 && digits[0] == '0')) return false;
  for (char c : digits) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + uint64_t(c - '0');
  }
  if (v == 0) return false;
  *out = v;
  return true;
}

std::string new_key() {
  static const char* hex = "0123456789abcdef";
  std::random_device rd;
  std::string key = "sw_";
  for (int i = 0; i < 64; i++) key.push_back(hex[rd() & 15]);
  return key;
}

class DiagnosticsImpl final : public sharewire::v1::Diagnostics::Service {
  grpc::Status Echo(grpc::ServerContext*, const sharewire::v1::EchoRequest* request,
                    sharewire::v1::EchoResponse* response) override {
    response->set_payload(request->payload());
    return grpc::Status::OK;
  }
};

class CheckImpl final : public sharewire::v1::CheckService::Service {
 public:
  CheckImpl(Snapshots* snapshots, AuthCache* cache) : snapshots_(snapshots), cache_(cache) {}

  grpc::Status Check(grpc::ServerContext* context, const sharewire::v1::CheckPortRequest* request,
                     sharewire::v1::CheckPortResponse* response) override {
    std::shared_ptr<const State> snapshot = snapshots_->latest();
    if (snapshot->revision < request->min_revision())
      return grpc::Status(grpc::StatusCode::UNAVAILABLE, "revision not reached");  // never in the benchmark
    const auto& md = context->client_metadata();
    auto auth = md.find("authorization");
    if (auth == md.end())
      return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "missing credentials: send authorization: Bearer <api-key>");
    std::string_view value(auth->second.data(), auth->second.size());
    if (value.size() <= 7 || value.substr(0, 7) != "Bearer ")
      return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "malformed authorization: expected Bearer <api-key>");
    uint64_t caller;
    if (!cache_->authenticate(value.substr(7), *snapshot, &caller))
      return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "unknown API key");
    if (md.find("x-sharewire-act-as") != md.end())
      return grpc::Status(grpc::StatusCode::PERMISSION_DENIED, "only the service key may act for another account");
    uint64_t device, user;
    if (!parse_id(request->device_id(), "dev_", &device))
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "deviceId: not a valid dev_… id");
    if (request->user_id().empty()) {
      user = caller;
    } else if (!parse_id(request->user_id(), "acc_", &user)) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "userId: not a valid acc_… id");
    }
    if (caller != user) {
      auto d = snapshot->devices.find(device);
      if (d == snapshot->devices.end() || d->second.owner != caller)
        return grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                            "an account may check only its own access, or access to devices it owns");
    }
    if (request->port() < 1 || request->port() > 65535)
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "port must be 1-65535");
    response->set_allowed(snapshot->check(user, device, uint16_t(request->port())));
    response->set_revision(snapshot->revision);
    return grpc::Status::OK;
  }

 private:
  Snapshots* snapshots_;
  AuthCache* cache_;
};

}  // namespace

int main(int argc, char** argv) {
  int port = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--port") == 0) {
      port = std::atoi(argv[i + 1]);
    } else {
      std::fprintf(stderr, "usage: grpc-cpp-peer [--port N]\n");
      return 2;
    }
  }
  // Seeded like sharewire-bench --method check seeds Sharewire: owner acc_1,
  // recipient acc_2, device dev_1 with ssh:22 (svc_1) and web:80 (svc_2), a
  // PORTS share of ssh to the recipient.
  auto state = std::make_shared<State>();
  std::string owner_key = new_key(), friend_key = new_key();
  for (auto [id, key] : {std::pair<uint64_t, std::string>{1, owner_key}, {2, friend_key}}) {
    Digest h = sha256(key);
    state->accounts[id] = h;
    state->account_by_key_hash[std::string(reinterpret_cast<const char*>(h.data()), h.size())] = id;
  }
  state->devices[1] = Device{1, {{1, 22}, {2, 80}}};
  state->shares[{1, 2}] = Share{Mode::ports, {1}};
  state->revision = 5;
  if (!state->check(2, 1, 22)) return 1;
  Snapshots snapshots(state);
  AuthCache cache(4096);

  DiagnosticsImpl diagnostics;
  CheckImpl check(&snapshots, &cache);
  grpc::ServerBuilder builder;
  int bound = 0;
  builder.AddListeningPort("127.0.0.1:" + std::to_string(port), grpc::InsecureServerCredentials(), &bound);
  // The harness also verifies that it alone listens on the port.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.RegisterService(&diagnostics);
  builder.RegisterService(&check);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server || bound == 0) {
    std::fprintf(stderr, "could not listen on port %d\n", port);
    return 1;
  }
  std::printf("check: key=%s user=acc_2 device=dev_1 port=22\n", friend_key.c_str());
  std::printf("listening on 127.0.0.1:%d\n", bound);
  std::fflush(stdout);
  server->Wait();
  return 0;
}
