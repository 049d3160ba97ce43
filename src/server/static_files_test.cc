// StaticFileUnder: the web root cannot be left by any spelling of a path.
#include "server/static_files.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

namespace zebra::server::static_files_test {
namespace {
namespace fs = std::filesystem;

class StaticFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("zebra-static-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "web" / "assets");
    std::ofstream(dir_ / "web" / "index.html") << "<!doctype html>";
    std::ofstream(dir_ / "web" / "assets" / "app.js") << "x";
    std::ofstream(dir_ / "web" / ".hidden") << "secret";
    std::ofstream(dir_ / "outside.txt") << "secret";
    fs::create_symlink(dir_ / "outside.txt", dir_ / "web" / "link.txt");
    fs::create_directory_symlink(dir_, dir_ / "web" / "up");
    root_ = dir_ / "web";
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::optional<fs::path> Get(const std::string& target, const std::string& decoded) {
    return StaticFileUnder(root_, target, decoded);
  }
  std::optional<fs::path> Get(const std::string& path) { return Get(path, path); }
  fs::path dir_, root_;
};

TEST_F(StaticFilesTest, ServesFilesUnderTheRoot) {
  auto f = Get("/assets/app.js");
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(*f, fs::canonical(root_ / "assets" / "app.js"));
  f = Get("/assets/app.js?v=1", "/assets/app.js");
  ASSERT_TRUE(f && !f->empty());
}

TEST_F(StaticFilesTest, UnknownPathsFallBackToTheApplication) {
  EXPECT_EQ(Get("/"), fs::path());
  EXPECT_EQ(Get("/cases/c_1"), fs::path());
  EXPECT_EQ(Get("/cases/"), fs::path());
  EXPECT_EQ(Get("/assets"), fs::path());  // a directory
}

TEST_F(StaticFilesTest, AbsoluteAndDoubleSlashPathsAreRefused) {
  // `root / "/etc/passwd"` is "/etc/passwd": the hole this guards against.
  EXPECT_EQ(Get("//etc/passwd"), std::nullopt);
  EXPECT_EQ(Get("/%2Fetc/passwd", "//etc/passwd"), std::nullopt);
  EXPECT_EQ(Get("/%2fproc/self/environ", "//proc/self/environ"), std::nullopt);
  EXPECT_EQ(Get("/assets//app.js"), std::nullopt);
  EXPECT_EQ(Get("///"), std::nullopt);
}

TEST_F(StaticFilesTest, EncodedSeparatorsDotsAndNulAreRefused) {
  EXPECT_EQ(Get("/assets%2Fapp.js", "/assets/app.js"), std::nullopt);
  EXPECT_EQ(Get("/assets%5capp.js", "/assets\\app.js"), std::nullopt);
  EXPECT_EQ(Get("/%2e%2e/outside.txt", "/../outside.txt"), std::nullopt);
  EXPECT_EQ(Get("/index.html%00.js", std::string("/index.html\0.js", 15)), std::nullopt);
}

TEST_F(StaticFilesTest, DotSegmentsHiddenFilesAndBackslashesAreRefused) {
  EXPECT_EQ(Get("/../outside.txt"), std::nullopt);
  EXPECT_EQ(Get("/assets/../../outside.txt"), std::nullopt);
  EXPECT_EQ(Get("/.hidden"), std::nullopt);
  EXPECT_EQ(Get("/./index.html"), std::nullopt);
  EXPECT_EQ(Get("/..\\outside.txt"), std::nullopt);
  EXPECT_EQ(Get("/index.html\x01"), std::nullopt);
}

TEST_F(StaticFilesTest, SymlinksOutOfTheRootAreRefused) {
  EXPECT_EQ(Get("/link.txt"), std::nullopt);
  EXPECT_EQ(Get("/up/outside.txt"), std::nullopt);
  // A link that leads back inside names a file under the root: served as that file.
  EXPECT_EQ(Get("/up/web/index.html"), fs::canonical(root_ / "index.html"));
}

}  // namespace
}  // namespace zebra::server::static_files_test
