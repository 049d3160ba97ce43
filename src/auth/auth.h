// Authentication primitives for `zebra serve`: JWT verification for CDS Hooks clients, Argon2id
// password hashing for local accounts, random tokens and SHA-256. Thread-safe; errors as values.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <tl/expected.hpp>

#include "common/error.h"

namespace zebra::auth {

// One trusted issuer: its `iss` value and where its JSON Web Key Set lives (file path or URL).
struct TrustedIssuer {
  std::string iss;
  std::string jwks_file;  // either this ...
  std::string jwks_url;   // ... or this (fetched once, refetched when an unknown kid arrives)
};

struct JwtVerifierOptions {
  std::string audience;                  // `aud` must equal this (the service URL) or lie below it (URL + "/...")
  std::vector<TrustedIssuer> issuers;    // `iss` allow-list
  std::chrono::seconds skew{60};         // tolerance for exp / iat / nbf
  std::size_t max_token_bytes = 16 * 1024;
  // Added by the auth module: an unknown kid triggers a JWKS refetch at most this often per issuer
  // (the first fetch counts); tests set 0.
  std::chrono::seconds jwks_refetch_interval{60};
  // Seen jtis are kept until exp + skew; when the cache is full of live entries new tokens are
  // refused (fail closed) rather than forgetting a jti early.
  std::size_t replay_cache_capacity = 100000;
  // exp may be at most this far ahead (plus the skew): CDS Hooks 2.0 says at most 5 minutes.
  std::chrono::seconds max_lifetime{300};
};

struct JwtClaims {
  std::string iss, sub, jti;
  std::int64_t exp = 0, iat = 0;
  nlohmann::json payload;  // the whole verified payload
};

class JwtVerifier {
 public:
  virtual ~JwtVerifier() = default;
  // Only ES384 and RS384 are accepted (no `none`, no HMAC). Checks the signature against the
  // issuer's key with the token's `kid`, `aud`, `exp`, `iat`/`nbf` (with skew) and refuses a `jti`
  // seen before (until its exp). The error says why, for the server log; clients get a bare 401.
  // Its `path` names the claim or part ("exp", "header.alg"; empty: the token as a whole) and its
  // `message` is the whole sentence ("token expired"): log `message`, not ToString().
  virtual tl::expected<JwtClaims, common::Error> Verify(std::string_view token,
                                                        std::int64_t now_unix) = 0;
};

// Reads the JWKS of every issuer; fails when a file is missing or holds no usable key.
tl::expected<std::unique_ptr<JwtVerifier>, common::Error> MakeJwtVerifier(JwtVerifierOptions options);

// Loads issuers from a JSON file: {"audience": "...", "issuers": [{"iss": "...", "jwks_file"|"jwks_url": "..."}]}.
// Relative jwks_file paths are resolved against the file's folder.
tl::expected<JwtVerifierOptions, common::Error> LoadJwtConfig(const std::string& path);
// Also read: optional "skew_seconds" (0..3600). Other keys are ignored; duplicate keys are errors.
// jwks_url must be https (plain http is accepted only for loopback hosts, for tests).
// Config loaders (LoadJwtConfig, LoadOidcConfig, smart::LoadSmartConfig): the error's `path` is the
// file (empty when it cannot be read: the message names it) and its message starts at the key;
// print common::ToString(e) ("auth.json: issuers[0].iss must be a non-empty string").

// Argon2id, encoded string form ($argon2id$v=19$m=...,t=...,p=...$salt$hash).
tl::expected<std::string, common::Error> HashPassword(std::string_view password);
bool VerifyPassword(std::string_view encoded_hash, std::string_view password);

// The password policy for local accounts (`zebra user add`, `zebra user passwd`): nullopt when the
// password is acceptable, else why not. At least kMinPasswordLength bytes and not on the list of
// common passwords shipped in data/common_passwords.txt (compared in lowercase).
inline constexpr std::size_t kMinPasswordLength = 12;
std::optional<std::string> PasswordProblem(std::string_view password);
std::size_t CommonPasswordCount();

// Cryptographically random bytes as base64url without padding.
std::string RandomToken(std::size_t bytes = 32);
std::string Sha256Hex(std::string_view data);
// Constant-time comparison for secrets.
bool ConstantTimeEqual(std::string_view a, std::string_view b);

// OAuth helpers shared by OpenID Connect sign-in and SMART App Launch (src/smart).
// RFC 7636 S256: BASE64URL(SHA256(ASCII(code_verifier))).
std::string PkceS256Challenge(std::string_view verifier);
// RFC 3986 percent-encoding of everything but the unreserved characters (query values, forms).
std::string PercentEncode(std::string_view text);
// The `error` of an OAuth 2.0 error answer (RFC 6749 5.2) when it is a plain code (a-z and '_', at
// most 64 characters: safe to log), else empty. For the OIDC and SMART token endpoints.
std::string OAuthErrorCode(std::string_view body);

// Base64url (RFC 4648 §5) without padding. Decoding is strict: no '=', no characters outside the
// alphabet, no length of 1 mod 4 and no non-zero unused trailing bits (one encoding per value).
std::string Base64UrlEncode(std::string_view data);
std::optional<std::string> Base64UrlDecode(std::string_view text);

// Addresses and hosts. Numeric forms are parsed (inet_pton), never matched by prefix, so
// "127.evil.example" is not loopback.
bool IsIpAddress(std::string_view text);            // "203.0.113.7", "2001:db8::1"
bool IsLoopbackAddress(std::string_view address);   // 127.0.0.0/8, ::1, ::ffff:127.x.y.z
bool IsLoopbackHost(std::string_view host);         // "localhost", a loopback address, "[::1]"

// The origin (scheme, lower-case host, port with the scheme's default filled in) of an absolute
// http(s) URL, and its path; nullopt for anything else, or for userinfo ("user@host").
struct UrlParts {
  std::string scheme, host;
  int port = 0;
  std::string path;  // from the first "/" (query included), "/" when absent
};
std::optional<UrlParts> ParseHttpUrl(std::string_view url);
// True when `url` is on the same origin as `base` and its path is `base`'s path or below it
// (segment-wise: "https://h/fhir" covers "https://h/fhir/x" and "https://h/fhir?p", not
// "https://h/fhirx" nor "https://h.evil/fhir").
bool IsUnderBaseUrl(std::string_view url, std::string_view base);

}  // namespace zebra::auth

// ---- OpenID Connect sign-in (authorization code flow with PKCE S256), src/auth/oidc.cc ----------
namespace zebra::auth {

struct OidcConfig {
  std::string issuer;         // https (http only for a loopback issuer with --insecure-dev)
  std::string client_id;
  std::string client_secret;  // read from client_secret_file; empty: a public client
  std::string redirect_uri;   // ".../v1/oidc/callback", registered at the provider
  std::vector<std::string> scopes;  // must include "openid"
  std::string role_claim;           // a string claim or a list of strings (e.g. "groups")
  std::vector<std::pair<std::string, std::string>> role_map;  // claim value -> viewer|coordinator|clinician|auditor
  std::string username_claim = "preferred_username";
  std::string display_name;  // optional "name": the sign-in button's label; default: the issuer's host
};

// Reads the --oidc-config JSON file strictly (json::ParseStrict; unknown keys, repeated keys and
// wrong types are errors). Relative client_secret_file paths are resolved against the file's folder.
tl::expected<OidcConfig, common::Error> LoadOidcConfig(const std::string& path, bool insecure_dev);

// What a successful callback proves about the person.
struct OidcIdentity {
  std::string subject;   // `sub`
  std::string username;  // the username claim
  std::string role;      // the mapped role name; empty when no claim value is in role_map
};

// Why a sign-in failed: a common::Error whose `code` is one of these and whose `message` is for
// the audit log and the server log only (it never holds a token, code or secret).
namespace oidc_failure {
inline constexpr std::string_view kBadRequest = "oidc-bad-request";  // callback without code/state
inline constexpr std::string_view kBadState = "oidc-bad-state";  // unknown, used, expired, or not this browser's
// The code exchange failed (wrong/replayed code, PKCE verifier refused, ...).
inline constexpr std::string_view kTokenEndpoint = "oidc-token-endpoint";
// The ID token does not verify (signature, iss, aud, exp/iat, nonce, claims).
inline constexpr std::string_view kIdToken = "oidc-id-token";
inline constexpr std::string_view kUnavailable = "oidc-unavailable";  // too many sign-ins in flight
}  // namespace oidc_failure

struct OidcLogin {
  std::string authorization_url;  // where to send the browser
  std::string browser_binding;    // the value of the short-lived HttpOnly cookie binding the state
};

// The relying party: discovery document and JWKS fetched at start-up, pending sign-ins kept in
// memory (single use, 10 minutes) and bound to the browser that started them. Thread-safe.
class OidcClient {
 public:
  virtual ~OidcClient() = default;
  virtual const OidcConfig& Config() const = 0;
  virtual tl::expected<OidcLogin, common::Error> Begin(std::int64_t now_unix) = 0;
  virtual tl::expected<OidcIdentity, common::Error> Finish(std::string_view code, std::string_view state,
                                                       std::string_view browser_binding, std::int64_t now_unix) = 0;
};

// Fetches {issuer}/.well-known/openid-configuration (its `issuer` must equal the configured one)
// and the provider's JWKS, with the JWKS client policy (internal::Fetch).
tl::expected<std::unique_ptr<OidcClient>, common::Error> MakeOidcClient(OidcConfig config, bool insecure_dev);

// Accounts created by OpenID Connect sign-in keep this marker instead of a password hash; it never
// verifies as a password, so such accounts cannot sign in with one.
std::string ExternalAccountMarker(std::string_view issuer, std::string_view subject);
bool IsExternalAccount(std::string_view password_hash);

}  // namespace zebra::auth
