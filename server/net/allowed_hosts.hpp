// The host names a server answers to by default, from the address it listens on: a page served
// under any other name is another site's (DNS rebinding), so the Host check needs a list even
// when no one configured one.
#pragma once

#include <string>
#include <vector>

namespace lvt {

// `address` is numeric ("127.0.0.1", "::1", "0.0.0.0"). Always the address itself; on loopback
// also localhost, 127.0.0.1 and ::1; on a wildcard address the loopback names and this
// machine's host name (other names and addresses need --allowed-host).
std::vector<std::string> default_allowed_hosts(const std::string& address);

}  // namespace lvt
