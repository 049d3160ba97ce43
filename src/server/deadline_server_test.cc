// DeadlineStream over a socket pair: the deadline bounds a whole request however the bytes
// trickle in; buffering, idle waits and the stop check. (Through a running server: server_test.cc,
// ServerDeadlineTest.)
#include "server/deadline_server.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

namespace zebra::server::deadline_server_test {
namespace {

using Clock = DeadlineStream::Clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

struct SocketPair {
  int server = -1;
  int client = -1;
  SocketPair() {
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0) {
      server = fds[0];
      client = fds[1];
    }
  }
  ~SocketPair() {
    if (server >= 0) ::close(server);
    if (client >= 0) ::close(client);
  }
  void Send(const std::string& s) const { ASSERT_EQ(::send(client, s.data(), s.size(), 0), static_cast<ssize_t>(s.size())); }
};

double SecondsSince(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

TEST(DeadlineStream, TrickledBytesDoNotOutliveTheDeadline) {
  SocketPair p;
  ASSERT_GE(p.server, 0);
  // One byte every 50 ms never lets the 5 s per-read timeout fire; only the deadline stops it.
  std::atomic<bool> stop{false};
  std::thread trickle([&] {
    while (!stop) {
      if (::send(p.client, "x", 1, MSG_NOSIGNAL) != 1) return;
      std::this_thread::sleep_for(milliseconds(50));
    }
  });
  DeadlineStream strm(p.server, seconds(5), seconds(5));
  const auto start = Clock::now();
  strm.SetDeadline(start + milliseconds(600));
  std::size_t got = 0;
  char c;
  while (strm.read(&c, 1) == 1) ++got;
  const double took = SecondsSince(start);
  stop = true;
  trickle.join();
  EXPECT_TRUE(strm.TimedOut());
  EXPECT_GE(got, 3u);  // bytes before the deadline were delivered
  EXPECT_GE(took, 0.6);
  EXPECT_LT(took, 1.5);
  // Once past the deadline every read fails at once.
  EXPECT_EQ(strm.read(&c, 1), -1);
}

TEST(DeadlineStream, ReadTimeoutIsNotADeadlineTimeout) {
  SocketPair p;
  DeadlineStream strm(p.server, milliseconds(200), seconds(5));
  strm.SetDeadline(Clock::now() + seconds(30));
  char c;
  const auto start = Clock::now();
  EXPECT_EQ(strm.read(&c, 1), -1);
  EXPECT_GE(SecondsSince(start), 0.2);
  EXPECT_FALSE(strm.TimedOut());
}

TEST(DeadlineStream, BuffersAcrossReadsAndCountsBufferedBytesAsARequest) {
  SocketPair p;
  DeadlineStream strm(p.server, seconds(5), seconds(5));
  p.Send("GET /a HTTP/1.1\r\n\r\nGET /b");
  char buf[32] = {};
  ASSERT_EQ(strm.read(buf, 19), 19);
  EXPECT_EQ(std::string(buf, 19), "GET /a HTTP/1.1\r\n\r\n");
  // The pipelined start of the next request is already buffered: no wait for the socket.
  const auto start = Clock::now();
  EXPECT_TRUE(strm.WaitForRequest(seconds(5), nullptr));
  EXPECT_LT(SecondsSince(start), 0.1);
  ASSERT_EQ(strm.read(buf, sizeof buf), 6);
  EXPECT_EQ(std::string(buf, 6), "GET /b");
  // End of stream reads as 0, not as an error or a timeout.
  ::shutdown(p.client, SHUT_WR);
  EXPECT_EQ(strm.read(buf, sizeof buf), 0);
  EXPECT_FALSE(strm.TimedOut());
}

TEST(DeadlineStream, IdleWaitEndsAtTheDeadlineTheIdleLimitOrAStop) {
  SocketPair p;
  DeadlineStream strm(p.server, seconds(5), seconds(5));
  auto start = Clock::now();
  strm.SetDeadline(start + milliseconds(300));
  EXPECT_FALSE(strm.WaitForRequest(seconds(5), nullptr));
  EXPECT_GE(SecondsSince(start), 0.3);
  EXPECT_LT(SecondsSince(start), 1.0);
  EXPECT_FALSE(strm.TimedOut());  // an idle connection is closed, not counted as a slow request

  start = Clock::now();
  strm.SetDeadline(start + seconds(30));
  EXPECT_FALSE(strm.WaitForRequest(milliseconds(300), nullptr));
  EXPECT_GE(SecondsSince(start), 0.3);
  EXPECT_LT(SecondsSince(start), 1.0);

  start = Clock::now();
  std::atomic<bool> stopping{false};
  std::thread stopper([&] {
    std::this_thread::sleep_for(milliseconds(100));
    stopping = true;
  });
  EXPECT_FALSE(strm.WaitForRequest(seconds(30), [&] { return stopping.load(); }));
  stopper.join();
  EXPECT_LT(SecondsSince(start), 1.0);

  p.Send("G");
  EXPECT_TRUE(strm.WaitForRequest(seconds(5), nullptr));
}

TEST(DeadlineStream, WritesAndReportsAddresses) {
  SocketPair p;
  DeadlineStream strm(p.server, seconds(5), seconds(5));
  ASSERT_EQ(strm.write("HTTP/1.1 200 OK\r\n", 17), 17);
  char buf[32];
  ASSERT_EQ(::recv(p.client, buf, sizeof buf, 0), 17);
  EXPECT_TRUE(strm.is_writable());
  EXPECT_EQ(strm.socket(), p.server);
  std::string ip = "unchanged";
  int port = -7;
  strm.get_remote_ip_and_port(ip, port);  // not an IP socket: left alone
  EXPECT_EQ(ip, "unchanged");
  EXPECT_EQ(port, -7);
}

TEST(DeadlineStream, HeaderBytesAreCountedAsTheyArrive) {
  SocketPair p;
  DeadlineStream strm(p.server, seconds(5), seconds(5));
  strm.BeginRequest(Clock::now() + seconds(30), 64);
  // A header section of exactly 64 bytes passes, and the body after it is not counted.
  std::string head = "GET / HTTP/1.1\r\nHost: x\r\n";
  head += "X-Pad: " + std::string(64 - head.size() - 7 - 4, 'a') + "\r\n\r\n";
  ASSERT_EQ(head.size(), 64u);
  p.Send(head + std::string(500, 'b'));
  std::string got;
  char c;
  while (got.size() < head.size() + 500 && strm.read(&c, 1) == 1) got.push_back(c);
  EXPECT_EQ(got.size(), head.size() + 500);
  EXPECT_FALSE(strm.HeaderTooLarge());

  // The next request's header section counts from zero; one byte over the limit fails the read
  // before that byte is handed out.
  strm.BeginRequest(Clock::now() + seconds(30), 64);
  p.Send(std::string(100, 'h'));
  std::size_t read = 0;
  while (strm.read(&c, 1) == 1) ++read;
  EXPECT_EQ(read, 64u);
  EXPECT_TRUE(strm.HeaderTooLarge());
  EXPECT_FALSE(strm.TimedOut());
  EXPECT_EQ(strm.read(&c, 1), -1);  // and stays failed
}

TEST(DeadlineStream, LargeReadsAreCountedToo) {
  SocketPair p;
  DeadlineStream strm(p.server, seconds(5), seconds(5));
  strm.BeginRequest(Clock::now() + seconds(30), 1000);
  p.Send(std::string(6000, 'h'));  // no blank line: an endless header
  std::vector<char> buf(8192);
  EXPECT_EQ(strm.read(buf.data(), buf.size()), -1);
  EXPECT_TRUE(strm.HeaderTooLarge());
}

}  // namespace
}  // namespace zebra::server::deadline_server_test
