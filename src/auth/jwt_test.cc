// JWT verification: keys generated here, tokens signed by a small test-only signer.
#include <gtest/gtest.h>
#include <httplib.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "build_info.h"
#include "../../fuzz/jwt_target.h"
#include "auth/auth.h"
#include "auth/jwt_internal.h"
#include "auth/testing.h"

namespace zebra::auth::jwt_test {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

constexpr std::int64_t kNow = 1'700'000'000;
constexpr const char* kIss = "https://ehr.example/auth";
constexpr const char* kAud = "https://zebra.example/cds-services";

using testing::BnParam;
using testing::DigestSign;
using testing::EcJwk;
using testing::GenerateEc;
using testing::GenerateRsa;
using testing::PkeyPtr;
using testing::RsaJwk;

PkeyPtr GenerateEc256() { return GenerateEc("P-256"); }

// JWS ES384: DER from OpenSSL -> fixed-width r || s.
std::string DerToRaw(const std::string& der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
  std::string raw(96, '\0');
  BN_bn2binpad(ECDSA_SIG_get0_r(sig), reinterpret_cast<unsigned char*>(raw.data()), 48);
  BN_bn2binpad(ECDSA_SIG_get0_s(sig), reinterpret_cast<unsigned char*>(raw.data()) + 48, 48);
  ECDSA_SIG_free(sig);
  return raw;
}

std::string Hmac384(std::string_view secret, std::string_view input) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha384(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string PublicPem(EVP_PKEY* pkey) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(bio, pkey);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(len));
  BIO_free(bio);
  return out;
}

enum class Sig { kEs384, kRs384, kRs256, kNone };

std::string Sign(const json& header, const json& payload, EVP_PKEY* key, Sig how) {
  const std::string input = Base64UrlEncode(header.dump()) + "." + Base64UrlEncode(payload.dump());
  std::string sig;
  switch (how) {
    case Sig::kEs384: sig = DerToRaw(DigestSign(key, EVP_sha384(), input)); break;
    case Sig::kRs384: sig = DigestSign(key, EVP_sha384(), input); break;
    case Sig::kRs256: sig = DigestSign(key, EVP_sha256(), input); break;
    case Sig::kNone: break;
  }
  return input + "." + Base64UrlEncode(sig);
}

void WriteFile(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

class JwtTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ec_ = GenerateEc();
    ec2_ = GenerateEc();
    rsa_ = GenerateRsa(2048);
    dir_ = fs::temp_directory_path() / ("zebra_auth_test_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    WriteFile(dir_ / "jwks.json", json{{"keys", {EcJwk(ec_.get(), "ec1"), RsaJwk(rsa_.get(), "rsa1")}}}.dump());
    WriteFile(dir_ / "single.json", json{{"keys", {EcJwk(ec2_.get(), "")}}}.dump());
  }
  static void TearDownTestSuite() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  void SetUp() override {
    JwtVerifierOptions options;
    options.audience = kAud;
    options.issuers = {{kIss, (dir_ / "jwks.json").string(), ""},
                       {"https://single.example", (dir_ / "single.json").string(), ""}};
    auto v = MakeJwtVerifier(options);
    ASSERT_TRUE(v) << common::ToString(v.error());
    verifier_ = std::move(*v);
  }

  json Payload() {
    return {{"iss", kIss}, {"aud", kAud}, {"sub", "client-1"}, {"exp", kNow + 300},
            {"iat", kNow}, {"jti", "jti-" + std::to_string(++counter_)}};
  }
  static json Header(const std::string& alg, const std::string& kid) {
    json h = {{"alg", alg}, {"typ", "JWT"}};
    if (!kid.empty()) h["kid"] = kid;
    return h;
  }
  std::string Es(const json& payload, const std::string& kid = "ec1") {
    return Sign(Header("ES384", kid), payload, ec_.get(), Sig::kEs384);
  }
  std::string Rs(const json& payload, const std::string& kid = "rsa1") {
    return Sign(Header("RS384", kid), payload, rsa_.get(), Sig::kRs384);
  }
  // The reason a token is refused ("" when it is accepted).
  std::string Refusal(const std::string& token, std::int64_t now = kNow) {
    const auto r = verifier_->Verify(token, now);
    return r ? "" : r.error().message;
  }

  static inline PkeyPtr ec_, ec2_, rsa_;
  static inline fs::path dir_;
  std::unique_ptr<JwtVerifier> verifier_;
  int counter_ = 0;
};

TEST_F(JwtTest, AcceptsEs384) {
  const auto r = verifier_->Verify(Es(Payload()), kNow);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->iss, kIss);
  EXPECT_EQ(r->sub, "client-1");
  EXPECT_EQ(r->jti, "jti-1");
  EXPECT_EQ(r->exp, kNow + 300);
  EXPECT_EQ(r->iat, kNow);
  EXPECT_EQ(r->payload["aud"], kAud);
}

TEST_F(JwtTest, AcceptsRs384AndAudienceArray) {
  json p = Payload();
  p["aud"] = json::array({"https://other.example", kAud});
  EXPECT_EQ(Refusal(Rs(p)), "");
  p["jti"] = "x2";
  p.erase("sub");
  const auto r = verifier_->Verify(Rs(p), kNow);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->sub, "");
}

TEST_F(JwtTest, RefusesAlgNone) {
  EXPECT_EQ(Refusal(Sign(Header("none", ""), Payload(), nullptr, Sig::kNone)), "alg not allowed (only ES384, RS384)");
  EXPECT_EQ(Refusal(Sign(Header("none", "ec1"), Payload(), nullptr, Sig::kNone)), "alg not allowed (only ES384, RS384)");
  EXPECT_EQ(Refusal(Sign(Header("None", "ec1"), Payload(), nullptr, Sig::kNone)), "alg not allowed (only ES384, RS384)");
  EXPECT_EQ(verifier_->Verify(Sign(Header("none", ""), Payload(), nullptr, Sig::kNone), kNow).error().path, "header.alg");
}

TEST_F(JwtTest, RefusesHmacKeyConfusion) {
  // The classic attack: HMAC keyed with the public key, hoping the verifier uses it as a secret.
  const std::string input = Base64UrlEncode(Header("HS384", "rsa1").dump()) + "." + Base64UrlEncode(Payload().dump());
  for (const std::string& secret : {PublicPem(rsa_.get()), BnParam(rsa_.get(), OSSL_PKEY_PARAM_RSA_N),
                                    RsaJwk(rsa_.get(), "rsa1").dump()}) {
    EXPECT_EQ(Refusal(input + "." + Base64UrlEncode(Hmac384(secret, input))), "alg not allowed (only ES384, RS384)");
  }
}

TEST_F(JwtTest, RefusesOtherAlgorithms) {
  EXPECT_EQ(Refusal(Sign(Header("RS256", "rsa1"), Payload(), rsa_.get(), Sig::kRs256)),
            "alg not allowed (only ES384, RS384)");
  // RS256 signature under an RS384 label: the digest differs, so the signature fails.
  EXPECT_EQ(Refusal(Sign(Header("RS384", "rsa1"), Payload(), rsa_.get(), Sig::kRs256)), "signature does not verify");
  EXPECT_EQ(Refusal(Sign(Header("ES256", "ec1"), Payload(), ec_.get(), Sig::kEs384)), "alg not allowed (only ES384, RS384)");
  EXPECT_EQ(Refusal(Sign(Header("PS384", "rsa1"), Payload(), rsa_.get(), Sig::kRs384)), "alg not allowed (only ES384, RS384)");
  EXPECT_EQ(Refusal(Sign(json{{"alg", "es384"}, {"kid", "ec1"}}, Payload(), ec_.get(), Sig::kEs384)),
            "alg not allowed (only ES384, RS384)");
}

TEST_F(JwtTest, RefusesKeyTypeAlgMismatch) {
  // ES384 naming the RSA key (and the reverse): the kid exists but its type does not fit the alg.
  EXPECT_EQ(Refusal(Sign(Header("ES384", "rsa1"), Payload(), ec_.get(), Sig::kEs384)), "key type does not match alg");
  EXPECT_EQ(Refusal(Sign(Header("RS384", "ec1"), Payload(), rsa_.get(), Sig::kRs384)), "key type does not match alg");
}

TEST_F(JwtTest, RefusesMissingOrOddAlgAndHeaders) {
  EXPECT_EQ(Refusal(Sign(json{{"kid", "ec1"}}, Payload(), ec_.get(), Sig::kEs384)), "header has no alg");
  EXPECT_EQ(Refusal(Sign(json{{"alg", nullptr}}, Payload(), ec_.get(), Sig::kEs384)), "header alg is not a string");
  EXPECT_EQ(Refusal(Sign(json{{"alg", json::array({"ES384"})}}, Payload(), ec_.get(), Sig::kEs384)),
            "header alg is not a string");
  json crit = Header("ES384", "ec1");
  crit["crit"] = json::array({"exp"});
  EXPECT_EQ(Refusal(Sign(crit, Payload(), ec_.get(), Sig::kEs384)), "crit header not supported");
  for (const char* field : {"jku", "x5u", "jwk", "x5c"}) {
    json h = Header("ES384", "ec1");
    h[field] = std::string(field) == "jwk" ? EcJwk(ec_.get(), "ec1") : json("https://attacker.example/k");
    EXPECT_EQ(Refusal(Sign(h, Payload(), ec_.get(), Sig::kEs384)), std::string("header carries ") + field + " (not trusted)");
  }
  json kid_number = Header("ES384", "");
  kid_number["kid"] = 1;
  EXPECT_EQ(Refusal(Sign(kid_number, Payload(), ec_.get(), Sig::kEs384)), "header kid is not a string");
}

TEST_F(JwtTest, RefusesExpiredWithSkew) {
  json p = Payload();
  p["exp"] = kNow - 30;  // inside the 60 s skew
  EXPECT_EQ(Refusal(Es(p)), "");
  p["jti"] = "late";
  p["exp"] = kNow - 60;
  EXPECT_EQ(Refusal(Es(p)), "token expired");
  EXPECT_EQ(verifier_->Verify(Es(p), kNow).error().path, "exp");  // the claim, beside the sentence
  p["exp"] = "tomorrow";
  EXPECT_EQ(Refusal(Es(p)), "exp is not a number");
  p.erase("exp");
  EXPECT_EQ(Refusal(Es(p)), "payload has no exp");
  // Fractional NumericDate and an absurdly large one are handled, not overflowed; a far exp is
  // refused (it would hold a replay-cache slot for that long).
  p["exp"] = static_cast<double>(kNow) + 100.5;
  EXPECT_EQ(Refusal(Es(p)), "");
  p["jti"] = "huge";
  p["exp"] = 1e300;
  EXPECT_EQ(Refusal(Es(p)), "exp is too far in the future");
  p["exp"] = std::numeric_limits<std::uint64_t>::max();
  EXPECT_EQ(Refusal(Es(p)), "exp is too far in the future");
  p["exp"] = kNow + 300 + 60;  // 5 minutes plus the skew: the longest accepted
  EXPECT_EQ(Refusal(Es(p)), "");
  p["jti"] = "one-day";
  p["exp"] = kNow + 86400;
  EXPECT_EQ(Refusal(Es(p)), "exp is too far in the future");
}

TEST_F(JwtTest, RefusesNotYetValid) {
  json p = Payload();
  p["nbf"] = kNow + 120;
  EXPECT_EQ(Refusal(Es(p)), "token not yet valid (nbf)");
  p["nbf"] = kNow + 30;  // within skew
  EXPECT_EQ(Refusal(Es(p)), "");
  json q = Payload();
  q["iat"] = kNow + 120;
  EXPECT_EQ(Refusal(Es(q)), "iat is in the future");
  q.erase("iat");
  EXPECT_EQ(Refusal(Es(q)), "payload has no iat");
}

TEST_F(JwtTest, RefusesWrongAudience) {
  json p = Payload();
  p["aud"] = "https://other.example";
  EXPECT_EQ(Refusal(Es(p)), "aud does not match");
  p["aud"] = json::array({"https://other.example"});
  EXPECT_EQ(Refusal(Es(p)), "aud does not match");
  p["aud"] = std::string(kAud) + "/";
  EXPECT_EQ(Refusal(Es(p)), "aud does not match");
  p.erase("aud");
  EXPECT_EQ(Refusal(Es(p)), "payload has no aud");
}

// CDS Hooks 2.0 §"Trusting CDS Clients": aud is the endpoint URL, below the service URL.
TEST_F(JwtTest, AcceptsAudienceBelowServiceUrlOnly) {
  json p = Payload();
  p["aud"] = std::string(kAud) + "/net-tumor-board";
  EXPECT_TRUE(verifier_->Verify(Es(p), kNow).has_value());
  json q = Payload();
  q["aud"] = std::string(kAud) + "x/net-tumor-board";
  EXPECT_EQ(Refusal(Es(q)), "aud does not match");
  q["aud"] = std::string(kAud) + ".evil.example/x";
  EXPECT_EQ(Refusal(Es(q)), "aud does not match");
}

TEST_F(JwtTest, RefusesUnknownIssuer) {
  json p = Payload();
  p["iss"] = "https://evil.example";
  EXPECT_EQ(Refusal(Es(p)), "issuer not trusted");
  p.erase("iss");
  EXPECT_EQ(Refusal(Es(p)), "payload has no iss");
  // A trusted iss whose keys did not sign the token.
  p["iss"] = "https://single.example";
  EXPECT_EQ(Refusal(Es(p, "")), "signature does not verify");
}

TEST_F(JwtTest, RefusesReplayedJti) {
  const std::string token = Es(Payload());
  EXPECT_EQ(Refusal(token), "");
  EXPECT_EQ(Refusal(token), "jti already used");
  EXPECT_EQ(Refusal(token, kNow + 100), "jti already used");
  // Same jti in a fresh token is still a replay.
  json p = Payload();
  p["jti"] = "jti-1";
  EXPECT_EQ(Refusal(Rs(p)), "jti already used");
  p.erase("jti");
  EXPECT_EQ(Refusal(Rs(p)), "payload has no jti");
  p["jti"] = "";
  EXPECT_EQ(Refusal(Rs(p)), "payload has no jti");
}

TEST_F(JwtTest, ReplayCacheIsBoundedAndForgetsExpiredEntries) {
  JwtVerifierOptions options;
  options.audience = kAud;
  options.issuers = {{kIss, (dir_ / "jwks.json").string(), ""}};
  options.replay_cache_capacity = 2;
  auto v = MakeJwtVerifier(options);
  ASSERT_TRUE(v) << common::ToString(v.error());
  EXPECT_TRUE((*v)->Verify(Es(Payload()), kNow));
  EXPECT_TRUE((*v)->Verify(Es(Payload()), kNow));
  const auto full = (*v)->Verify(Es(Payload()), kNow);
  ASSERT_FALSE(full);
  EXPECT_EQ(full.error().message, "replay cache full");
  EXPECT_EQ(full.error().path, "jti");
  // Once the first two have expired (exp + skew) their slots are free again.
  json later = Payload();
  later["iat"] = kNow + 400;
  later["exp"] = kNow + 700;
  const auto r = (*v)->Verify(Es(later), kNow + 400);
  EXPECT_TRUE(r) << r.error().message;
}

TEST_F(JwtTest, ConcurrentReplayAcceptsExactlyOnce) {
  const std::string token = Es(Payload());
  std::atomic<int> accepted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 20; ++i) {
        if (verifier_->Verify(token, kNow)) ++accepted;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(accepted.load(), 1);
}

TEST_F(JwtTest, RefusesUnknownKid) {
  EXPECT_EQ(Refusal(Es(Payload(), "ec-unknown")), "unknown kid");
}

TEST_F(JwtTest, KidlessTokenUsesTheOnlyKeyOfItsType) {
  json p = Payload();
  p["iss"] = "https://single.example";
  json h = {{"alg", "ES384"}};
  EXPECT_EQ(Refusal(Sign(h, p, ec2_.get(), Sig::kEs384)), "");
  p["jti"] = "rsa-on-ec-only";
  EXPECT_EQ(Refusal(Sign(json{{"alg", "RS384"}}, p, rsa_.get(), Sig::kRs384)), "no key for alg");
  // The main issuer has one EC and one RSA key: a kidless ES384 token finds the EC one.
  EXPECT_EQ(Refusal(Es(Payload(), "")), "");
}

TEST_F(JwtTest, RefusesTamperedPayload) {
  const std::string token = Es(Payload());
  json p = Payload();
  p["sub"] = "admin";
  p["jti"] = "jti-1";
  const std::string forged = Base64UrlEncode(Header("ES384", "ec1").dump()) + "." + Base64UrlEncode(p.dump()) +
                             token.substr(token.rfind('.'));
  EXPECT_EQ(Refusal(forged), "signature does not verify");
  EXPECT_EQ(Refusal(token), "");  // the original is fine and was not burnt by the forgery
}

TEST_F(JwtTest, RefusesTamperedSignature) {
  for (const std::string& token : {Es(Payload()), Rs(Payload())}) {
    const std::size_t dot = token.rfind('.');
    std::string sig = *Base64UrlDecode(token.substr(dot + 1));
    sig[sig.size() / 2] ^= 0x01;
    EXPECT_EQ(Refusal(token.substr(0, dot + 1) + Base64UrlEncode(sig)), "signature does not verify");
    sig[sig.size() / 2] ^= 0x01;
    EXPECT_EQ(Refusal(token.substr(0, dot + 1) + Base64UrlEncode(sig)), "");
  }
}

TEST_F(JwtTest, RefusesWrongSignatureLengths) {
  const std::string input = Base64UrlEncode(Header("ES384", "ec1").dump()) + "." + Base64UrlEncode(Payload().dump());
  const std::string der = DigestSign(ec_.get(), EVP_sha384(), input);
  const std::string raw = DerToRaw(der);
  EXPECT_EQ(Refusal(input + "." + Base64UrlEncode(der)), "ES384 signature is not 96 bytes");
  EXPECT_EQ(Refusal(input + "." + Base64UrlEncode(raw.substr(0, 95))), "ES384 signature is not 96 bytes");
  EXPECT_EQ(Refusal(input + "." + Base64UrlEncode(raw + '\0')), "ES384 signature is not 96 bytes");
  EXPECT_EQ(Refusal(input + "."), "ES384 signature is not 96 bytes");
  // All-zero r and s must fail, not crash.
  EXPECT_EQ(Refusal(input + "." + Base64UrlEncode(std::string(96, '\0'))), "signature does not verify");

  const std::string rs = Rs(Payload());
  const std::string rs_sig = *Base64UrlDecode(rs.substr(rs.rfind('.') + 1));
  EXPECT_EQ(Refusal(rs.substr(0, rs.rfind('.') + 1) + Base64UrlEncode(rs_sig.substr(1))), "RS384 signature has the wrong length");
  EXPECT_EQ(Refusal(rs), "");
}

TEST_F(JwtTest, RefusesOversizedTokenBeforeParsing) {
  json p = Payload();
  p["pad"] = std::string(17 * 1024, 'a');
  EXPECT_EQ(Refusal(Es(p)), "token too large");
  EXPECT_EQ(Refusal(std::string(20000, '.')), "token too large");
}

TEST_F(JwtTest, RefusesMalformedStructureAndBase64) {
  const std::string good = Es(Payload());
  const std::size_t d1 = good.find('.');
  const std::size_t d2 = good.rfind('.');
  EXPECT_EQ(Refusal(""), "token empty");
  EXPECT_EQ(Refusal("abc"), "token is not compact JWS (three parts)");
  EXPECT_EQ(Refusal(good.substr(0, d2)), "token is not compact JWS (three parts)");
  EXPECT_EQ(Refusal(good + ".x"), "token is not compact JWS (three parts)");
  EXPECT_EQ(Refusal("=" + good), "header is not base64url");
  EXPECT_EQ(Refusal(good.substr(0, d1) + ".+" + good.substr(d1 + 1)), "payload is not base64url");
  EXPECT_EQ(Refusal(good + "="), "signature is not base64url");
  EXPECT_EQ(Refusal(good.substr(0, d2 + 1) + "a" + good.substr(d2 + 1)), "signature is not base64url");
  EXPECT_EQ(Refusal(" " + good), "header is not base64url");
  EXPECT_EQ(Refusal(good), "");
}

TEST_F(JwtTest, RefusesMalformedJson) {
  const std::string payload = Base64UrlEncode(Payload().dump());
  for (const std::string& header : {std::string("{\"alg\":\"ES384\""), std::string("[\"ES384\"]"),
                                    std::string("\"ES384\""), std::string(""), std::string("{\"alg\":\"ES384\"}x"),
                                    std::string("{\"alg\":\"none\",\"alg\":\"ES384\",\"kid\":\"ec1\"}"),
                                    std::string("{\"alg\":\"ES384\",\"kid\":\"ec1\",\"x\":[[[[[[1]]]]]]}")}) {
    const std::string input = Base64UrlEncode(header) + "." + payload;
    const std::string sig = DerToRaw(DigestSign(ec_.get(), EVP_sha384(), input));
    EXPECT_EQ(Refusal(input + "." + Base64UrlEncode(sig)), "header is not a JSON object") << header;
  }
  const std::string header = Base64UrlEncode(Header("ES384", "ec1").dump());
  for (const std::string& body : {std::string("{\"iss\":"), std::string("[]"), std::string("\xff\xfe"),
                                  std::string("{\"iss\":\"a\",\"iss\":\"") + kIss + "\"}"}) {
    const std::string input = header + "." + Base64UrlEncode(body);
    const std::string sig = DerToRaw(DigestSign(ec_.get(), EVP_sha384(), input));
    EXPECT_EQ(Refusal(input + "." + Base64UrlEncode(sig)), "payload is not a JSON object") << body;
  }
}

TEST(JwtVerifierSetup, RefusesBadConfigurationAndKeySets) {
  const fs::path dir = fs::temp_directory_path() / ("zebra_auth_setup_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const auto make = [&](const std::string& jwks) {
    WriteFile(dir / "k.json", jwks);
    JwtVerifierOptions o;
    o.audience = kAud;
    o.issuers = {{kIss, (dir / "k.json").string(), ""}};
    auto v = MakeJwtVerifier(o);
    return v ? std::string() : common::ToString(v.error());
  };
  const auto ec256 = GenerateEc256();
  const auto rsa1024 = GenerateRsa(1024);
  EXPECT_NE(make(json{{"keys", {EcJwk(ec256.get(), "a", "P-256", 32)}}}.dump()).find("EC key not on P-384"), std::string::npos);
  EXPECT_NE(make(json{{"keys", {RsaJwk(rsa1024.get(), "a")}}}.dump()).find("RSA modulus size"), std::string::npos);
  // A P-256 point claimed to be on P-384 (wrong lengths), and a point not on the curve.
  json fake = EcJwk(ec256.get(), "a", "P-384", 32);
  EXPECT_NE(make(json{{"keys", {fake}}}.dump()).find("not 48 bytes"), std::string::npos);
  const auto ec = GenerateEc();
  json off_curve = EcJwk(ec.get(), "a");
  std::string y = *Base64UrlDecode(off_curve["y"].get<std::string>());
  y[47] ^= 1;
  off_curve["y"] = Base64UrlEncode(y);
  EXPECT_NE(make(json{{"keys", {off_curve}}}.dump()), "");
  json enc = EcJwk(ec.get(), "a");
  enc["use"] = "enc";
  EXPECT_NE(make(json{{"keys", {enc}}}.dump()).find("use is not sig"), std::string::npos);
  EXPECT_NE(make(json{{"keys", json::array()}}.dump()), "");
  EXPECT_NE(make("not json"), "");
  EXPECT_NE(make(json{{"keys", {{{"kty", "oct"}, {"k", "c2VjcmV0"}}}}}.dump()).find("unsupported kty"), std::string::npos);
  // One usable key among junk is enough.
  EXPECT_EQ(make(json{{"keys", {enc, EcJwk(ec.get(), "b")}}}.dump()), "");

  JwtVerifierOptions o;
  o.audience = kAud;
  o.issuers = {{kIss, (dir / "missing.json").string(), ""}};
  EXPECT_FALSE(MakeJwtVerifier(o));
  o.issuers = {{kIss, "", "http://jwks.example/keys"}};  // cleartext off loopback
  const auto http = MakeJwtVerifier(o);
  ASSERT_FALSE(http);
  EXPECT_NE(http.error().message.find("must be https"), std::string::npos);
  o.issuers = {{kIss, (dir / "k.json").string(), "https://x.example/"}};
  EXPECT_FALSE(MakeJwtVerifier(o));
  o.issuers = {};
  EXPECT_FALSE(MakeJwtVerifier(o));
  o.issuers = {{kIss, (dir / "k.json").string(), ""}};
  o.audience = "";
  EXPECT_FALSE(MakeJwtVerifier(o));
  std::error_code error;
  fs::remove_all(dir, error);
}

TEST(JwtConfig, LoadsAndResolvesRelativePaths) {
  const fs::path dir = fs::temp_directory_path() / ("zebra_auth_cfg_" + std::to_string(::getpid()));
  fs::create_directories(dir / "keys");
  WriteFile(dir / "auth.json", R"({"audience": "https://z.example/cds-services", "skew_seconds": 30,
    "issuers": [{"iss": "a", "jwks_file": "keys/a.json"}, {"iss": "b", "jwks_url": "https://b.example/jwks"},
                {"iss": "c", "jwks_file": "/etc/c.json"}]})");
  const auto cfg = LoadJwtConfig((dir / "auth.json").string());
  ASSERT_TRUE(cfg) << common::ToString(cfg.error());
  EXPECT_EQ(cfg->audience, "https://z.example/cds-services");
  EXPECT_EQ(cfg->skew.count(), 30);
  ASSERT_EQ(cfg->issuers.size(), 3u);
  EXPECT_EQ(fs::path(cfg->issuers[0].jwks_file), dir / "keys/a.json");
  EXPECT_EQ(cfg->issuers[1].jwks_url, "https://b.example/jwks");
  EXPECT_EQ(cfg->issuers[1].jwks_file, "");
  EXPECT_EQ(cfg->issuers[2].jwks_file, "/etc/c.json");

  for (const char* bad : {R"({"issuers": [{"iss": "a", "jwks_file": "k"}]})",
                          R"({"audience": "x", "issuers": []})",
                          R"({"audience": "x", "issuers": [{"iss": "a"}]})",
                          R"({"audience": "x", "issuers": [{"iss": "a", "jwks_file": "k", "jwks_url": "https://u"}]})",
                          R"({"audience": "x", "issuers": [{"jwks_file": "k"}]})",
                          R"({"audience": "x", "audience": "y", "issuers": [{"iss": "a", "jwks_file": "k"}]})",
                          R"({"audience": "x", "skew_seconds": -1, "issuers": [{"iss": "a", "jwks_file": "k"}]})",
                          "[]"}) {
    WriteFile(dir / "bad.json", bad);
    EXPECT_FALSE(LoadJwtConfig((dir / "bad.json").string())) << bad;
  }
  EXPECT_FALSE(LoadJwtConfig((dir / "absent.json").string()));
  // The file is the error's path and the message starts at the key: ToString() reads as before.
  WriteFile(dir / "bad.json", R"({"audience": "x", "issuers": [{"jwks_file": "k"}]})");
  const auto refused = LoadJwtConfig((dir / "bad.json").string());
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().path, (dir / "bad.json").string());
  EXPECT_EQ(common::ToString(refused.error()), (dir / "bad.json").string() + ": issuers[0].iss must be a non-empty string");
  std::error_code error;
  fs::remove_all(dir, error);
}

// A JWKS served over HTTP on loopback; keys can be added while it runs.
class JwksServer {
 public:
  JwksServer() {
    server_.Get("/jwks", [this](const httplib::Request&, httplib::Response& res) {
      ++hits_;
      std::lock_guard lock(mu_);
      res.set_content(jwks_.dump(), "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~JwksServer() {
    server_.stop();
    thread_.join();
  }
  void Set(json jwks) {
    std::lock_guard lock(mu_);
    jwks_ = std::move(jwks);
  }
  std::string Url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/jwks"; }
  int Hits() const { return hits_.load(); }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::atomic<int> hits_{0};
  std::mutex mu_;
  json jwks_;
};

TEST(JwksUrl, UnknownKidTriggersRefetchRateLimited) {
  const auto first = GenerateEc();
  const auto second = GenerateRsa(2048);
  JwksServer server;
  server.Set(json{{"keys", {EcJwk(first.get(), "k1")}}});

  const auto token = [&](const std::string& kid, const std::string& jti) {
    const json p = {{"iss", kIss}, {"aud", kAud}, {"exp", kNow + 60}, {"iat", kNow}, {"jti", jti}};
    return kid == "k1" ? Sign(json{{"alg", "ES384"}, {"kid", kid}}, p, first.get(), Sig::kEs384)
                       : Sign(json{{"alg", "RS384"}, {"kid", kid}}, p, second.get(), Sig::kRs384);
  };

  JwtVerifierOptions options;
  options.audience = kAud;
  options.issuers = {{kIss, "", server.Url()}};
  options.jwks_refetch_interval = std::chrono::seconds(0);
  auto eager = MakeJwtVerifier(options);
  ASSERT_TRUE(eager) << common::ToString(eager.error());
  options.jwks_refetch_interval = std::chrono::seconds(60);
  auto limited = MakeJwtVerifier(options);
  ASSERT_TRUE(limited) << common::ToString(limited.error());
  EXPECT_EQ(server.Hits(), 2);

  auto ok = (*eager)->Verify(token("k1", "a"), kNow);
  EXPECT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(server.Hits(), 2);  // known kid: no fetch

  server.Set(json{{"keys", {EcJwk(first.get(), "k1"), RsaJwk(second.get(), "k2")}}});
  ok = (*eager)->Verify(token("k2", "b"), kNow);
  EXPECT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(server.Hits(), 3);

  // The limited verifier fetched at start-up less than a minute ago: no refetch yet.
  const auto limited_result = (*limited)->Verify(token("k2", "c"), kNow);
  ASSERT_FALSE(limited_result);
  EXPECT_EQ(limited_result.error().message, "unknown kid");
  EXPECT_EQ(server.Hits(), 3);

  // An issuer serving junk later keeps the keys it had.
  server.Set(json{{"keys", json::array()}});
  EXPECT_EQ((*eager)->Verify(token("k3", "d"), kNow).error().message, "unknown kid");
  EXPECT_EQ(server.Hits(), 4);
  ok = (*eager)->Verify(token("k2", "e"), kNow);
  EXPECT_TRUE(ok) << ok.error().message;
}

TEST(JwksUrl, StartupFailsWhenUnreachableOrEmpty) {
  JwksServer server;
  server.Set(json{{"keys", json::array()}});
  JwtVerifierOptions options;
  options.audience = kAud;
  options.issuers = {{kIss, "", server.Url()}};
  const auto empty = MakeJwtVerifier(options);
  ASSERT_FALSE(empty);
  EXPECT_NE(empty.error().message.find("no usable key"), std::string::npos);
  options.issuers = {{kIss, "", "http://127.0.0.1:1/jwks"}};
  EXPECT_FALSE(MakeJwtVerifier(options));
}

// The fuzz seeds were signed outside this test with keys whose public halves are in jwt_target.h;
// replaying them checks that an independent signer (Python cryptography) interoperates.
TEST(JwtFuzzSeeds, ReplayWithExpectedAnswers) {
  const fs::path dir = fs::path(ZEBRA_SOURCE_DIR) / "fuzz" / "corpus" / "jwt";
  const auto read = [&](const char* name) {
    std::ifstream in(dir / name, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  const std::pair<const char*, const char*> expected[] = {
      {"es384_valid", ""},
      {"rs384_valid", ""},
      {"es384_nokid", ""},
      {"float_dates", ""},
      {"es384_valid", "jti already used"},
      {"alg_none", "alg not allowed (only ES384, RS384)"},
      {"hs384_confusion", "alg not allowed (only ES384, RS384)"},
      {"rs256", "alg not allowed (only ES384, RS384)"},
      {"es384_der_sig", "ES384 signature is not 96 bytes"},
      {"jku_header", "header carries jku (not trusted)"},
      {"crit_header", "crit header not supported"},
      {"expired", "token expired"},
      {"unknown_kid", "unknown kid"},
      {"mismatch_kid", "key type does not match alg"},
      {"malformed", "payload is not base64url"},
  };
  for (const auto& [name, answer] : expected) {
    EXPECT_EQ(fuzz::JwtVerifyForFuzz(read(name)), answer) << name;
  }
  EXPECT_TRUE(internal::ParseJwks(read("jwks_doc")));
  int files = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    std::ifstream in(entry.path(), std::ios::binary);
    fuzz::JwtOne(std::string(std::istreambuf_iterator<char>(in), {}));
    ++files;
  }
  EXPECT_GE(files, 15);
}


// OpenID Connect ID tokens (internal::VerifyJwsSignature with an oidc_algs key set) may also be
// RS256 or ES256; CDS Hooks key sets and the CDS verifier stay ES384/RS384.
TEST(OidcJws, Accepts256VariantsOnlyWhereAsked) {
  const auto rsa = GenerateRsa(2048);
  const auto ec = GenerateEc256();
  json rs = RsaJwk(rsa.get(), "r");
  rs["alg"] = "RS256";
  const json jwks = {{"keys", {rs, EcJwk(ec.get(), "e", "P-256", 32)}}};
  const auto oidc = internal::ParseJwks(jwks.dump(), /*oidc_algs=*/true);
  ASSERT_TRUE(oidc) << oidc.error();
  EXPECT_EQ(oidc->size(), 2u);
  EXPECT_FALSE(internal::ParseJwks(jwks.dump()));  // neither key is usable for CDS Hooks
  const std::vector<std::string> algs = {"RS256", "RS384", "ES256", "ES384"};
  const json payload = {{"iss", "https://idp"}, {"nonce", "n"}};
  const std::string rs256 = Sign({{"alg", "RS256"}, {"kid", "r"}}, payload, rsa.get(), Sig::kRs256);
  auto ok = internal::VerifyJwsSignature(rs256, *oidc, algs, 16384, nullptr);
  ASSERT_TRUE(ok) << ok.error();
  EXPECT_EQ((*ok)["nonce"], "n");
  const std::string input = Base64UrlEncode(json{{"alg", "ES256"}, {"kid", "e"}}.dump()) + "." +
                            Base64UrlEncode(payload.dump());
  const std::string der = DigestSign(ec.get(), EVP_sha256(), input);
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
  std::string raw(64, '\0');
  BN_bn2binpad(ECDSA_SIG_get0_r(sig), reinterpret_cast<unsigned char*>(raw.data()), 32);
  BN_bn2binpad(ECDSA_SIG_get0_s(sig), reinterpret_cast<unsigned char*>(raw.data()) + 32, 32);
  ECDSA_SIG_free(sig);
  const std::string es256 = input + "." + Base64UrlEncode(raw);
  EXPECT_TRUE(internal::VerifyJwsSignature(es256, *oidc, algs, 16384, nullptr));
  // Not when the caller does not list the alg, not with a tampered payload, not with alg none.
  EXPECT_FALSE(internal::VerifyJwsSignature(es256, *oidc, {"RS256"}, 16384, nullptr));
  std::string tampered = rs256;
  tampered[tampered.find('.') + 2] ^= 1;
  EXPECT_FALSE(internal::VerifyJwsSignature(tampered, *oidc, algs, 16384, nullptr));
  EXPECT_FALSE(internal::VerifyJwsSignature(Sign({{"alg", "none"}}, payload, nullptr, Sig::kNone), *oidc, algs, 16384,
                                            nullptr));
  bool unknown = false;
  EXPECT_FALSE(internal::VerifyJwsSignature(Sign({{"alg", "RS256"}, {"kid", "zz"}}, payload, rsa.get(), Sig::kRs256),
                                            *oidc, algs, 16384, &unknown));
  EXPECT_TRUE(unknown);
}

}  // namespace
}  // namespace zebra::auth::jwt_test
