#include "common/text.h"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "common/file.h"

namespace zebra::common::text_test {
namespace {

TEST(HasShape, DigitsAndLiterals) {
  struct Case {
    std::string_view text, shape;
    bool fits;
  };
  const Case cases[] = {
      {"2026-01-31", "9999-99-99", true},    {"NCT01234567", "NCT99999999", true},
      {"2026-1-31", "9999-99-99", false},    {"2026-01-31 ", "9999-99-99", false},
      {"2026/01/31", "9999-99-99", false},   {"NCT0123456a", "NCT99999999", false},
      {"nct01234567", "NCT99999999", false}, {"", "9", false},
      {"", "", true},
      // Digits of other scripts are not ASCII digits: U+0663 ARABIC-INDIC DIGIT THREE, two bytes.
      {"\xD9\xA3", "99", false},
  };
  for (const auto& c : cases) EXPECT_EQ(HasShape(c.text, c.shape), c.fits) << c.text << " ~ " << c.shape;
}

TEST(HasShape, WithOneOfSeveralTails) {
  const auto tails = {std::string_view(""), std::string_view("Z"), std::string_view("T99:99")};
  EXPECT_TRUE(HasShapeWithTail("2026-01-31", "9999-99-99", tails));
  EXPECT_TRUE(HasShapeWithTail("2026-01-31Z", "9999-99-99", tails));
  EXPECT_TRUE(HasShapeWithTail("2026-01-31T10:00", "9999-99-99", tails));
  EXPECT_FALSE(HasShapeWithTail("2026-01-31T10", "9999-99-99", tails));
  EXPECT_FALSE(HasShapeWithTail("2026-01", "9999-99-99", tails));
}

TEST(IsLowerHex, DigitsAndLowercaseAToF) {
  EXPECT_TRUE(IsLowerHex("0123456789abcdef"));
  EXPECT_TRUE(IsLowerHex("f"));
  EXPECT_FALSE(IsLowerHex(""));
  EXPECT_FALSE(IsLowerHex("0123456789ABCDEF"));
  EXPECT_FALSE(IsLowerHex("abcg"));
  EXPECT_FALSE(IsLowerHex("12 34"));
  EXPECT_FALSE(IsLowerHex("c_12"));
}

TEST(ReadFile, WholeFileOrNothing) {
  auto path = std::filesystem::temp_directory_path() / "zebra_common_read_file_test.bin";
  const std::string bytes("a\0b\r\nc", 6);
  std::ofstream(path, std::ios::binary) << bytes;
  EXPECT_EQ(ReadFile(path), std::optional<std::string>(bytes));
  std::filesystem::remove(path);
  EXPECT_EQ(ReadFile(path), std::nullopt);
}

TEST(EscapeHtml, EscapesTheFiveCharactersAndKeepsTheRest) {
  EXPECT_EQ(EscapeHtml(R"(<a href="x">Tom's & "Jerry"</a>)"),
            "&lt;a href=&quot;x&quot;&gt;Tom&#39;s &amp; &quot;Jerry&quot;&lt;/a&gt;");
  EXPECT_EQ(EscapeHtml("Ki-67 ≥ 20 % · المريض"), "Ki-67 ≥ 20 % · المريض");
  EXPECT_EQ(EscapeHtml(""), "");
}

}  // namespace
}  // namespace zebra::common::text_test
