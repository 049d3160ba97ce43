// Internals of the JWT verifier shared by jwt.cc, jwks.cc, the tests and the fuzz target.
#pragma once

#include <openssl/types.h>

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>
#include <tl/expected.hpp>

#include "common/error.h"

namespace zebra::auth::internal {

enum class KeyKind { kRsa, kEcP384, kEcP256 };

struct Jwk {
  std::optional<std::string> kid;
  KeyKind kind = KeyKind::kRsa;
  std::optional<std::string> alg;  // the JWK's own `alg`, if it pins one
  std::shared_ptr<EVP_PKEY> pkey;
};
using KeySet = std::vector<Jwk>;

// JSON with a nesting limit and no duplicate object keys (two `alg`s in a header would let
// different parsers disagree about what was signed): json::ParseStrict, as nlohmann::json.
// nullopt when malformed.
std::optional<nlohmann::json> ParseStrictJson(std::string_view text, int max_depth);

// A JWKS document's usable signing keys (RSA >= 2048 bits, EC P-384). Keys of other types or
// `use` != sig are skipped; an error when none is usable or the document is malformed.
// With `oidc_algs` (OpenID Connect ID tokens only) EC P-256 keys and RSA keys pinned to RS256 are
// usable too.
tl::expected<KeySet, std::string> ParseJwks(std::string_view json, bool oidc_algs = false);

// Public-key-only EVP_PKEY from one JWK object; error says why it is unusable.
tl::expected<Jwk, std::string> ParseJwk(const nlohmann::json& jwk, bool oidc_algs = false);

// GET over https (http only for loopback hosts, i.e. tests), no redirects, body capped.
tl::expected<std::string, std::string> FetchUrl(const std::string& url, std::size_t max_bytes);

// The one outgoing HTTP client policy (JWKS, OpenID discovery, token endpoint): https with the
// server certificate verified (http only for loopback hosts), 5 s timeouts, no redirects, the
// answer capped at max_bytes. A POST sends `form` as application/x-www-form-urlencoded.
struct HttpCall {
  std::string method = "GET";  // GET or POST
  std::string url;
  std::string form;                // POST body
  std::string authorization;       // Authorization header value, if any
  std::string accept;              // Accept header; empty: application/json for a POST, none for a GET
  std::size_t max_bytes = 1 << 20;
};
struct HttpAnswer {
  int status = 0;
  std::string body;
};
// The error's path is empty (the URL may name a patient); its message says what failed.
tl::expected<HttpAnswer, common::Error> Fetch(const HttpCall& call);

// Verifies the signature of a compact JWS with one of `keys`; `algs` lists the accepted `alg`
// values (a subset of RS256, RS384, ES256, ES384). Refuses crit and embedded keys or key URLs.
// Returns the (not yet checked) payload. `unknown_kid` is set when the token names a kid that is
// not in `keys` (the caller may refetch the set and try again).
tl::expected<nlohmann::json, std::string> VerifyJwsSignature(std::string_view token, const KeySet& keys,
                                                             const std::vector<std::string>& algs,
                                                             std::size_t max_bytes, bool* unknown_kid);

tl::expected<std::string, std::string> ReadSmallFile(const std::string& path, std::size_t max_bytes);

// A config file error: `file` is the path, the message starts at the key ("file: key ...").
inline tl::unexpected<common::Error> ConfigFail(const std::string& file, std::string what) {
  return tl::unexpected(common::Error(file, std::move(what)));
}

}  // namespace zebra::auth::internal
