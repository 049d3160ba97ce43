// Password hashing, random tokens, SHA-256, constant-time comparison, base64url.
#include <gtest/gtest.h>

#include <set>

#include "auth/auth.h"
#include "auth/testing.h"

namespace zebra::auth::auth_test {
namespace {

TEST(Password, HashAndVerify) {
  // Each hash costs ~19 MiB and tens of milliseconds: keep their number small.
  const auto hash = HashPassword("correct horse battery staple");
  ASSERT_TRUE(hash) << common::ToString(hash.error());
  EXPECT_EQ(hash->rfind("$argon2id$v=19$m=19456,t=2,p=1$", 0), 0u) << *hash;
  EXPECT_TRUE(VerifyPassword(*hash, "correct horse battery staple"));
  EXPECT_FALSE(VerifyPassword(*hash, "correct horse battery stapl"));
  EXPECT_FALSE(VerifyPassword(*hash, ""));

  const auto again = HashPassword("correct horse battery staple");
  ASSERT_TRUE(again);
  EXPECT_NE(*hash, *again) << "salt must be random";
}

TEST(Password, RejectsMalformedAndForeignHashes) {
  EXPECT_FALSE(HashPassword(""));
  EXPECT_FALSE(HashPassword(std::string(2000, 'x')));
  EXPECT_FALSE(VerifyPassword("", "pw"));
  EXPECT_FALSE(VerifyPassword("not a hash", "pw"));
  EXPECT_FALSE(VerifyPassword("$argon2id$v=19$m=19456,t=2,p=1$AAAA$BBBB", "pw"));
  // Same shape but argon2i: refused without running it.
  EXPECT_FALSE(VerifyPassword("$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA", "pw"));
}

TEST(RandomToken, LengthAlphabetAndUniqueness) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    const std::string t = RandomToken();
    EXPECT_EQ(t.size(), 43u);  // 32 bytes in unpadded base64url
    EXPECT_EQ(t.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
              std::string::npos);
    seen.insert(t);
  }
  EXPECT_EQ(seen.size(), 100u);
  EXPECT_EQ(RandomToken(16).size(), 22u);
  EXPECT_EQ(RandomToken(0), "");
  EXPECT_EQ(Base64UrlDecode(RandomToken(24))->size(), 24u);
}

TEST(Sha256Hex, KnownVectors) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(ConstantTimeEqual, Compares) {
  EXPECT_TRUE(ConstantTimeEqual("", ""));
  EXPECT_TRUE(ConstantTimeEqual("secret", "secret"));
  EXPECT_FALSE(ConstantTimeEqual("secret", "secreT"));
  EXPECT_FALSE(ConstantTimeEqual("secret", "secret2"));
  EXPECT_FALSE(ConstantTimeEqual("", "x"));
}

TEST(Base64Url, RoundTripsEveryLength) {
  std::string data;
  for (int i = 0; i < 40; ++i) {
    const std::string encoded = Base64UrlEncode(data);
    EXPECT_EQ(encoded.find_first_of("=+/"), std::string::npos);
    const auto decoded = Base64UrlDecode(encoded);
    ASSERT_TRUE(decoded) << encoded;
    EXPECT_EQ(*decoded, data);
    data += static_cast<char>(i * 37 + 250);  // covers bytes >= 0x80
  }
}

TEST(Base64Url, KnownValues) {
  EXPECT_EQ(Base64UrlEncode("\xfb\xff"), "-_8");
  EXPECT_EQ(Base64UrlEncode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64UrlEncode("fo"), "Zm8");
  EXPECT_EQ(*Base64UrlDecode("Zm9vYg"), "foob");
}

TEST(Base64Url, StrictDecoding) {
  EXPECT_FALSE(Base64UrlDecode("Zm8="));   // padding
  EXPECT_FALSE(Base64UrlDecode("Zm+v"));   // standard alphabet
  EXPECT_FALSE(Base64UrlDecode("Zm/v"));
  EXPECT_FALSE(Base64UrlDecode("Zm 9v"));  // white space
  EXPECT_FALSE(Base64UrlDecode("Zm9vY"));  // 5 chars: impossible length
  EXPECT_FALSE(Base64UrlDecode("Zm9"));    // non-zero unused bits ("Zm8" is canonical)
  EXPECT_FALSE(Base64UrlDecode(std::string_view("Zm\0v", 4)));
  EXPECT_TRUE(Base64UrlDecode(""));
}

}  // namespace
}  // namespace zebra::auth::auth_test

namespace zebra::auth::auth_test {
namespace {

// Each text with whether the function accepts it.
struct NetCase {
  std::string_view text;
  bool accepted;
};

TEST(Net, LoopbackIsParsedNotPrefixMatched) {
  const NetCase addresses[] = {
      {"127.0.0.1", true},
      {"127.1.2.3", true},
      {"::1", true},
      {"::ffff:127.0.0.1", true},
      {"127.evil.example", false},
      {"127.0.0.1.evil.example", false},
      {"128.0.0.1", false},
      {"::ffff:10.0.0.1", false},
      {"", false},
  };
  for (const auto& c : addresses) EXPECT_EQ(IsLoopbackAddress(c.text), c.accepted) << c.text;
  const NetCase hosts[] = {
      {"localhost", true},
      {"LocalHost", true},
      {"[::1]", true},
      {"127.0.0.9", true},
      {"127.evil.example", false},
      {"localhost.evil.example", false},
  };
  for (const auto& c : hosts) EXPECT_EQ(IsLoopbackHost(c.text), c.accepted) << c.text;
}

TEST(Net, IpAddresses) {
  const NetCase addresses[] = {
      {"203.0.113.7", true},
      {"2001:db8::1", true},
      {"203.0.113.7, 10.0.0.1", false},
      {"evil\r\nX-Injected: 1", false},
      {"", false},
  };
  for (const auto& c : addresses) EXPECT_EQ(IsIpAddress(c.text), c.accepted) << c.text;
}

TEST(Net, NextPageLinksStayUnderTheBase) {
  for (const auto& c : testing::kBaseUrlCases) EXPECT_EQ(IsUnderBaseUrl(c.url, testing::kFhirBase), c.under) << c.url;
  EXPECT_TRUE(IsUnderBaseUrl("https://ehr.example.org/fhir", std::string(testing::kFhirBase) + "/"));
}

TEST(PasswordPolicy, LengthAndCommonPasswords) {
  EXPECT_GT(CommonPasswordCount(), 3000u);
  // The examples, and long but common ones.
  for (const char* weak : {"password", "aaaaaaaa", "zebra-demo", "password1234", "Password1234", "QWERTY123456",
                           "passwordpassword", "iloveyou2024", "aaaaaaaaaaaa", "1q2w3e4r5t6y"}) {
    EXPECT_TRUE(PasswordProblem(weak)) << weak;
  }
  EXPECT_NE(PasswordProblem("short-pw")->find("12 characters"), std::string::npos);
  EXPECT_NE(PasswordProblem("Password1234")->find("common"), std::string::npos);
  EXPECT_FALSE(PasswordProblem("correct horse battery staple"));
  EXPECT_FALSE(PasswordProblem("tumour-board-7-lanreotide"));
}

}  // namespace
}  // namespace zebra::auth::auth_test
