// The writer's room without a zero fill: the text already in the string survives, the string is
// as long as asked, and a writer into a reused buffer (stale bytes in its capacity) writes exactly
// the tree's dump, session after session.
#include "json/string_room.h"

#include <gtest/gtest.h>

#include <string>

#include "json/json_writer.h"

namespace zebra::json::string_room_test {
namespace {

using nlohmann::ordered_json;

TEST(StringRoomTest, KeepsTheTextAndGivesTheLengthAsked) {
  for (size_t start : {0u, 5u, 15u, 16u, 100u, 5000u}) {
    std::string s;
    for (size_t i = 0; i < start; ++i) s += static_cast<char>('a' + i % 26);
    const std::string before = s;
    for (size_t n : {start, start + 1, start + 15, start + 1000, start + 70000}) {
      std::string t = before;
      ResizeForOverwrite(t, n);
      ASSERT_EQ(t.size(), n);
      ASSERT_GE(t.capacity(), n);
      EXPECT_EQ(t.substr(0, start), before);
      EXPECT_EQ(t.c_str()[n], '\0');  // terminated where the length says
      // The room is writable to its end, and the string then holds what was written.
      for (size_t i = start; i < n; ++i) t[i] = static_cast<char>('A' + i % 26);
      std::string want = before;
      for (size_t i = start; i < n; ++i) want += static_cast<char>('A' + i % 26);
      EXPECT_EQ(t, want);
    }
  }
}

TEST(StringRoomTest, SkipsTheFillWhereItCan) {
#if defined(__GLIBCXX__)
  EXPECT_TRUE(kResizeForOverwriteSkipsTheFill);  // (else the writer zero-fills again: slower)
#endif
  if (!kResizeForOverwriteSkipsTheFill) GTEST_SKIP();
  // A buffer cut back keeps its old bytes past the new length (but the terminator written at
  // the cut): the room handed out is them, not zeros (what would be paid for otherwise).
  std::string s(64, 'x');
  s.resize(8);
  ResizeForOverwrite(s, 64);
  EXPECT_EQ(s, std::string(8, 'x') + '\0' + std::string(55, 'x'));
}

// A description of a few KB that grows the writer's room several times.
template <class Out>
void Describe(Out& out, int round) {
  out.BeginObject();
  out.Key("round");
  out.Integer(round);
  out.Key("items");
  out.BeginArray();
  for (int i = 0; i < 40 * (round + 1); ++i) {
    out.BeginObject();
    out.Key("id");
    out.String("item-" + std::to_string(i * 7 + round));
    out.Key("text");
    out.String(std::string(static_cast<size_t>(i % 50), static_cast<char>('a' + i % 26)) + "\"q\"\n");
    out.Key("n");
    out.Integer(-i * 1000003);
    out.EndObject();
  }
  out.EndArray();
  out.EndObject();
}

TEST(StringRoomTest, WriterIntoAReusedBufferWritesTheTreesDump) {
  std::string buffer;  // reused as batch reuses its output: cleared, its capacity kept
  for (int round : {3, 0, 5, 1, 0, 7, 2}) {
    ordered_json tree;
    TreeOut to_tree(tree);
    Describe(to_tree, round);
    const std::string want = "prefix:" + DumpJson(tree) + ",[" + DumpJson(tree) + "," + DumpJson(tree) + "]";
    buffer.clear();
    buffer += "prefix:";
    {
      TextOut out(buffer);
      Describe(out, round);
    }
    buffer += ',';
    {
      TextOut out(buffer);
      out.BeginArray();
      Describe(out, round);
      out.Flush();  // (mid-way: the string holds what was written, and writing goes on)
      EXPECT_EQ(buffer.size(), want.size() - DumpJson(tree).size() - 2);
      Describe(out, round);
      out.EndArray();
    }
    EXPECT_EQ(buffer, want) << "round " << round;
    EXPECT_EQ(buffer.c_str()[buffer.size()], '\0');
  }
}

}  // namespace
}  // namespace zebra::json::string_room_test
