#include "allowed_hosts.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>

#include "request_checks.hpp"

namespace lvt {

std::vector<std::string> default_allowed_hosts(const std::string& address) {
  std::vector<std::string> hosts;
  auto add = [&hosts](const std::string& host) {
    const std::string name = request_checks::host_name(
        host.find(':') != std::string::npos ? "[" + host + "]" : host);  // a bare IPv6 address
    if (!name.empty() && std::find(hosts.begin(), hosts.end(), name) == hosts.end()) {
      hosts.push_back(name);
    }
  };
  add(address);
  const bool loopback = address.rfind("127.", 0) == 0 || address == "::1";
  const bool wildcard = address == "0.0.0.0" || address == "::";
  if (loopback || wildcard) {
    add("localhost");
    add("127.0.0.1");
    add("::1");
  }
  if (wildcard) {
    std::array<char, 256> name{};
    if (gethostname(name.data(), name.size() - 1) == 0) add(name.data());
  }
  return hosts;
}

}  // namespace lvt
