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

namespace zebra::auth::internal {

enum class KeyKind { kRsa, kEcP384 };

struct Jwk {
  std::optional<std::string> kid;
  KeyKind kind = KeyKind::kRsa;
  std::optional<std::string> alg;  // the JWK's own `alg`, if it pins one
  std::shared_ptr<EVP_PKEY> pkey;
};
using KeySet = std::vector<Jwk>;

// JSON with a nesting limit and no duplicate object keys (two `alg`s in a header would let
// different parsers disagree about what was signed). nullopt when malformed.
std::optional<nlohmann::json> ParseStrictJson(std::string_view text, int max_depth);

// A JWKS document's usable signing keys (RSA >= 2048 bits, EC P-384). Keys of other types or
// `use` != sig are skipped; an error when none is usable or the document is malformed.
tl::expected<KeySet, std::string> ParseJwks(std::string_view json);

// Public-key-only EVP_PKEY from one JWK object; error says why it is unusable.
tl::expected<Jwk, std::string> ParseJwk(const nlohmann::json& jwk);

// GET over https (http only for loopback hosts, i.e. tests), no redirects, body capped.
tl::expected<std::string, std::string> FetchUrl(const std::string& url, std::size_t max_bytes);

tl::expected<std::string, std::string> ReadSmallFile(const std::string& path, std::size_t max_bytes);

}  // namespace zebra::auth::internal
