#include "server/deadline_server.h"

#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

namespace zebra::server {
namespace {

using Clock = DeadlineStream::Clock;

// How often an idle connection checks whether the server is stopping.
constexpr auto kStopCheckInterval = std::chrono::milliseconds(200);

thread_local DeadlineStream* t_stream = nullptr;

bool AddressToText(const sockaddr_storage& addr, socklen_t len, std::string& ip, int& port) {
  if (addr.ss_family == AF_INET) port = ntohs(reinterpret_cast<const sockaddr_in*>(&addr)->sin_port);
  else if (addr.ss_family == AF_INET6) port = ntohs(reinterpret_cast<const sockaddr_in6*>(&addr)->sin6_port);
  else return false;
  char host[NI_MAXHOST] = {};
  if (getnameinfo(reinterpret_cast<const sockaddr*>(&addr), len, host, sizeof host, nullptr, 0, NI_NUMERICHOST) != 0)
    return false;
  ip = host;
  return true;
}

}  // namespace

DeadlineStream::DeadlineStream(socket_t sock, Clock::duration read_timeout, Clock::duration write_timeout)
    : sock_(sock), read_timeout_(read_timeout), write_timeout_(write_timeout), buffer_(kBufferSize) {}

void DeadlineStream::BeginRequest(Clock::time_point deadline, std::size_t max_header_bytes) {
  deadline_ = deadline;
  max_header_bytes_ = max_header_bytes;
  header_bytes_ = 0;
  terminator_matched_ = 0;
  in_header_ = true;
}

bool DeadlineStream::CountHeaderBytes(const char* data, std::size_t size) {
  static constexpr char kTerminator[] = "\r\n\r\n";
  for (std::size_t i = 0; i < size && in_header_; ++i) {
    if (++header_bytes_ > max_header_bytes_) {
      header_too_large_ = true;
      return false;
    }
    if (data[i] == kTerminator[terminator_matched_]) ++terminator_matched_;
    else terminator_matched_ = data[i] == '\r' ? 1 : 0;
    if (terminator_matched_ == 4) in_header_ = false;  // the body follows; it has its own limit
  }
  return true;
}

int DeadlineStream::Poll(short events, Clock::time_point until) const {
  pollfd pfd{sock_, events, 0};
  for (;;) {
    auto now = Clock::now();
    if (now >= until) return 0;
    // Round up, so that a poll that times out really is past `until`.
    auto ms = std::chrono::ceil<std::chrono::milliseconds>(until - now).count();
    int rc = ::poll(&pfd, 1, static_cast<int>(std::min<decltype(ms)>(ms, INT_MAX)));
    if (rc < 0 && errno == EINTR) continue;
    if (rc == 0 && Clock::now() < until) continue;  // woke early (timer slack): wait the rest
    return rc;
  }
}

bool DeadlineStream::WaitForRequest(Clock::duration idle, const std::function<bool()>& stopping) {
  if (begin_ < end_) return true;
  const auto now = Clock::now();
  const auto until = (deadline_ - now < idle) ? deadline_ : now + idle;
  for (;;) {
    if (stopping && stopping()) return false;
    const auto slice_end = std::min(until, Clock::now() + kStopCheckInterval);
    int rc = Poll(POLLIN, slice_end);
    if (rc != 0) return rc > 0;
    if (slice_end >= until) return false;
  }
}

bool DeadlineStream::is_readable() const {
  if (begin_ < end_) return true;
  const auto now = Clock::now();
  const auto until = (deadline_ - now < read_timeout_) ? deadline_ : now + read_timeout_;
  return Poll(POLLIN, until) > 0;
}

bool DeadlineStream::is_writable() const {
  pollfd pfd{sock_, POLLOUT, 0};
  if (Poll(POLLOUT, Clock::now() + write_timeout_) <= 0) return false;
  // A peer that has gone shows as an error or hang-up.
  ::poll(&pfd, 1, 0);
  return (pfd.revents & (POLLERR | POLLHUP | POLLNVAL)) == 0;
}

ssize_t DeadlineStream::read(char* ptr, size_t size) {
  if (size == 0) return 0;
  if (header_too_large_) return -1;
  if (begin_ < end_) {
    const std::size_t n = std::min(size, end_ - begin_);
    if (in_header_ && !CountHeaderBytes(buffer_.data() + begin_, n)) return -1;
    std::memcpy(ptr, buffer_.data() + begin_, n);
    begin_ += n;
    return static_cast<ssize_t>(n);
  }
  const auto now = Clock::now();
  if (now >= deadline_) {
    timed_out_ = true;
    return -1;
  }
  const bool deadline_first = deadline_ - now < read_timeout_;
  const int ready = Poll(POLLIN, deadline_first ? deadline_ : now + read_timeout_);
  if (ready == 0) {
    if (deadline_first) timed_out_ = true;
    return -1;
  }
  if (ready < 0) return -1;
  auto recv_into = [this](char* dst, size_t n) {
    ssize_t got;
    do got = ::recv(sock_, dst, n, 0);
    while (got < 0 && errno == EINTR);
    return got;
  };
  if (size >= kBufferSize) {
    const ssize_t got = recv_into(ptr, size);
    if (got > 0 && in_header_ && !CountHeaderBytes(ptr, static_cast<std::size_t>(got))) return -1;
    return got;
  }
  const ssize_t got = recv_into(buffer_.data(), kBufferSize);
  if (got <= 0) return got;
  begin_ = 0;
  end_ = static_cast<std::size_t>(got);
  const std::size_t n = std::min(size, end_);
  if (in_header_ && !CountHeaderBytes(buffer_.data(), n)) return -1;
  std::memcpy(ptr, buffer_.data(), n);
  begin_ = n;
  return static_cast<ssize_t>(n);
}

ssize_t DeadlineStream::write(const char* ptr, size_t size) {
  if (Poll(POLLOUT, Clock::now() + write_timeout_) <= 0) return -1;
  ssize_t sent;
  do sent = ::send(sock_, ptr, size, MSG_NOSIGNAL);  // a gone peer is an error, not SIGPIPE
  while (sent < 0 && errno == EINTR);
  return sent;
}

void DeadlineStream::get_remote_ip_and_port(std::string& ip, int& port) const {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  if (::getpeername(sock_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) AddressToText(addr, len, ip, port);
}

void DeadlineStream::get_local_ip_and_port(std::string& ip, int& port) const {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  if (::getsockname(sock_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) AddressToText(addr, len, ip, port);
}

void DeadlineServer::SetRequestTimeout(std::chrono::milliseconds timeout) {
  request_timeout_ = std::max(timeout, std::chrono::milliseconds(1));
}

DeadlineStream* DeadlineServer::CurrentStream() { return t_stream; }

bool DeadlineServer::process_and_close_socket(socket_t sock) {
  using std::chrono::microseconds;
  using std::chrono::seconds;
  DeadlineStream strm(sock, seconds(read_timeout_sec_) + microseconds(read_timeout_usec_),
                      seconds(write_timeout_sec_) + microseconds(write_timeout_usec_));
  t_stream = &strm;
  const auto stopping = [this] { return svr_sock_ == INVALID_SOCKET; };
  bool ret = false;
  // As cpp-httplib: at most keep_alive_max_count_ requests; the last one is answered with
  // `Connection: close`.
  for (std::size_t left = std::max<std::size_t>(1, keep_alive_max_count_); left > 0; --left) {
    strm.BeginRequest(Clock::now() + request_timeout_, max_header_bytes_);
    if (!strm.WaitForRequest(seconds(keep_alive_timeout_sec_), stopping)) break;
    bool connection_closed = false;
    ret = process_request(strm, left == 1, connection_closed, nullptr);
    // A timed-out request may have been answered (408); the connection still goes.
    if (!ret || connection_closed || strm.TimedOut() || strm.HeaderTooLarge()) break;
  }
  t_stream = nullptr;
  if (strm.TimedOut() && on_timed_out_) on_timed_out_();
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
  return ret;
}

}  // namespace zebra::server
