// A Node.js child process running the official client's tree renderer (apply_frames.js): the
// C++ side sends trees, the child answers with the HTML the client would hold.
#pragma once

#include <sys/types.h>
#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

namespace lvt::testing {

struct ClientHtml {
  std::string html;      // after applyUpdate on the clone-and-merge path
  std::string targeted;  // after applyUpdate on the in-place (targeted) path
};

class ClientApplier {
 public:
  ClientApplier();  // starts `node apply_frames.js <client dir>`; throws on failure
  ~ClientApplier();
  ClientApplier(const ClientApplier&) = delete;
  ClientApplier& operator=(const ClientApplier&) = delete;

  ClientHtml apply(std::uint64_t connection, const nlohmann::json& tree);
  void forget(std::uint64_t connection);

 private:
  nlohmann::json call(const nlohmann::json& command);

  pid_t child_ = -1;
  std::FILE* to_child_ = nullptr;
  std::FILE* from_child_ = nullptr;
};

// The one client process the conformance tests share, and a fresh connection id for it.
ClientApplier& shared_client();
std::uint64_t next_client_id();

}  // namespace lvt::testing
