// The pure readings of Host, Referer and Sec-WebSocket-Key that the site checks rest on.
#include "request_checks.hpp"

#include <gtest/gtest.h>

namespace lvt::request_checks {
namespace {

TEST(HostName, ReadsNamesAddressesAndPorts) {
  EXPECT_EQ(host_name("127.0.0.1:8080"), "127.0.0.1");
  EXPECT_EQ(host_name("LocalHost"), "localhost");
  EXPECT_EQ(host_name("localhost.:80"), "localhost");  // the root's dot names the same host
  EXPECT_EQ(host_name("[::1]:8080"), "::1");
  EXPECT_EQ(host_name("[::1]"), "::1");
  EXPECT_EQ(host_name("evil.example"), "evil.example");
}

TEST(HostName, MalformedHeadersNameNoHost) {
  for (const char* bad : {"", ":8080", "a:b", "a:123456", "a b", "[::1", "[::1]x", "[zz]:1",
                          "user@host", "host/path", "."}) {
    EXPECT_EQ(host_name(bad), "") << bad;
  }
}

TEST(RefererOrigin, IsTheSchemeAndAuthority) {
  EXPECT_EQ(referer_origin("http://127.0.0.1:8080/realtime/broadcasting?x=1"),
            "http://127.0.0.1:8080");
  EXPECT_EQ(referer_origin("HTTP://Evil.Example"), "http://evil.example");
  EXPECT_EQ(referer_origin("https://a.example?q#f"), "https://a.example");
  EXPECT_EQ(referer_origin("about:blank"), "");
  EXPECT_EQ(referer_origin("/relative"), "");
  EXPECT_EQ(referer_origin("http://user@127.0.0.1:8080/"), "");
  EXPECT_EQ(referer_origin("ht tp://a/"), "");
  // A scheme is a letter, then letters, digits, '+', '-' and '.' (RFC 3986 3.1), any case.
  EXPECT_EQ(referer_origin("A+B-C.1://x/"), "a+b-c.1://x");
}

TEST(WebSocketKey, IsTheBase64OfSixteenBytes) {
  EXPECT_TRUE(is_valid_websocket_key("dGhlIHNhbXBsZSBub25jZQ=="));  // RFC 6455's example
  EXPECT_TRUE(is_valid_websocket_key("AAAAAAAAAAAAAAAAAAAAAA=="));
  EXPECT_TRUE(is_valid_websocket_key("/+/+/+/+/+/+/+/+/+/+/w=="));
  EXPECT_FALSE(is_valid_websocket_key(""));
  EXPECT_FALSE(is_valid_websocket_key("x"));
  EXPECT_FALSE(is_valid_websocket_key("dGhlIHNhbXBsZSBub25jZQ="));    // 23 characters
  EXPECT_FALSE(is_valid_websocket_key("dGhlIHNhbXBsZSBub25jZQ==="));  // 25
  EXPECT_FALSE(is_valid_websocket_key("dGhlIHNhbXBsZSBub25jZR=="));   // bits past the 16th byte
  EXPECT_FALSE(is_valid_websocket_key("dGhlIHNhbXBsZSBub25j*Q=="));   // not base64
  EXPECT_FALSE(is_valid_websocket_key("dGhlIHNhbXBsZSBub25jZQAA"));   // no padding
  EXPECT_FALSE(is_valid_websocket_key("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));  // 24 bytes
}

}  // namespace
}  // namespace lvt::request_checks
