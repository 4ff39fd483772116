// Pure readings of the request headers that decide whether a request comes from a page of this
// server (Host, Origin, Referer) and whether a WebSocket upgrade is well formed. No I/O: the
// engine and the transport both call them, and unit tests cover every shape.
#pragma once

#include <string>
#include <string_view>

namespace lvt::request_checks {

// The host name of a Host header ("name", "name:port", "[v6]:port"), lower-cased and without a
// trailing dot, or an IPv6 address without its brackets; empty when the header is malformed.
std::string host_name(std::string_view host_header);

// The origin ("scheme://host[:port]", scheme and host lower-cased) that a Referer's URL names;
// empty when it names none (e.g. "about:blank", or no "//" authority).
std::string referer_origin(std::string_view referer);

// Whether `key` is a valid Sec-WebSocket-Key: the base64 of 16 bytes (RFC 6455, 4.2.1), which
// is 22 base64 characters and "==".
bool is_valid_websocket_key(std::string_view key);

}  // namespace lvt::request_checks
