// Per-request deadlines for `zebra serve`: the slowloris defence.
//
// cpp-httplib 0.11 bounds each read() by its read timeout, not a whole request, so a client that
// sends one byte a second holds a worker thread for ever. DeadlineServer keeps cpp-httplib's
// request parsing, routing and response writing (Server::process_request) but runs the
// per-connection loop itself: it overrides the virtual Server::process_and_close_socket, as
// cpp-httplib's own SSLServer does, and hands process_request a DeadlineStream whose reads fail
// once the request's deadline has passed.
//
// The deadline: a request's line, headers and body must all have arrived within the request
// timeout, counted from the moment a worker takes the connection or finished writing the previous
// response. Waiting idle for the next keep-alive request counts toward it (the idle wait ends at
// the keep-alive timeout or the deadline, whichever is first). The route handler and the response
// write are not limited by it (writes keep the write timeout). So a connection holds a worker for
// at most request timeout + handler time + write time per request.
#pragma once

#include <httplib.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace zebra::server {

// A httplib::Stream over one accepted TCP socket (what cpp-httplib's SocketStream does, plus the
// deadline). One per connection, so bytes of a pipelined next request stay buffered.
class DeadlineStream final : public httplib::Stream {
 public:
  using Clock = std::chrono::steady_clock;

  // `read_timeout` bounds each read (as cpp-httplib's), `write_timeout` each write.
  DeadlineStream(socket_t sock, Clock::duration read_timeout, Clock::duration write_timeout);

  // Starts a request: reads after `deadline` fail, and a read waiting for data gives up when it
  // passes. The request line and header section (up to the blank line) may be at most
  // `max_header_bytes` long: they are counted as they arrive, and the read that would go past the
  // limit fails, so an endless header never gets buffered.
  void BeginRequest(Clock::time_point deadline, std::size_t max_header_bytes);
  // Moves the deadline only (header bytes are not counted unless BeginRequest started a request).
  void SetDeadline(Clock::time_point deadline) { deadline_ = deadline; }
  // True once a read failed because the deadline had passed.
  bool TimedOut() const { return timed_out_; }
  // True once a read failed because the header section was longer than allowed.
  bool HeaderTooLarge() const { return header_too_large_; }

  // The transport's bookkeeping for the request being served on this connection (one at a time):
  // when its headers had arrived and which route answered it, for the access log and metrics.
  // It travels with the connection, so the pre-routing handler, the route handler and the logger
  // of one request share it without per-thread state.
  struct RequestMark {
    Clock::time_point start{};
    bool started = false;
    std::string route;
  };
  RequestMark& Mark() { return mark_; }

  // Waits for the first byte of the next request (already buffered, or on the socket; end of
  // stream counts too, so that the caller's read sees it). False when `idle` or the deadline
  // passes first, on a socket error, or when `stopping()` returns true (asked every 200 ms).
  bool WaitForRequest(Clock::duration idle, const std::function<bool()>& stopping);

  bool is_readable() const override;
  bool is_writable() const override;
  ssize_t read(char* ptr, size_t size) override;
  ssize_t write(const char* ptr, size_t size) override;
  void get_remote_ip_and_port(std::string& ip, int& port) const override;
  void get_local_ip_and_port(std::string& ip, int& port) const override;
  socket_t socket() const override { return sock_; }

 private:
  // poll() for `events` until `until`: > 0 ready, 0 timed out, < 0 error.
  int Poll(short events, Clock::time_point until) const;
  // Counts header bytes handed out; false when the header limit is passed.
  bool CountHeaderBytes(const char* data, std::size_t size);

  static constexpr std::size_t kBufferSize = 4096;
  socket_t sock_;
  Clock::duration read_timeout_;
  Clock::duration write_timeout_;
  Clock::time_point deadline_ = Clock::time_point::max();
  bool timed_out_ = false;
  bool in_header_ = false;
  bool header_too_large_ = false;
  std::size_t header_bytes_ = 0;
  std::size_t max_header_bytes_ = 0;
  int terminator_matched_ = 0;  // how much of "\r\n\r\n" the last bytes matched
  std::vector<char> buffer_;
  std::size_t begin_ = 0;  // unread bytes are buffer_[begin_, end_)
  std::size_t end_ = 0;
  RequestMark mark_;
};

class DeadlineServer final : public httplib::Server {
 public:
  // Default 10 s. Values below 1 ms are raised to 1 ms.
  void SetRequestTimeout(std::chrono::milliseconds timeout);
  std::chrono::milliseconds RequestTimeout() const { return request_timeout_; }
  // Request line plus headers, in bytes (default 64 KiB); see DeadlineStream::BeginRequest.
  void SetMaxHeaderBytes(std::size_t bytes) { max_header_bytes_ = bytes; }
  // Called on the worker thread once for each connection closed because a request did not
  // arrive in time.
  void SetTimedOutHandler(std::function<void()> handler) { on_timed_out_ = std::move(handler); }

  // The stream of the connection this thread is serving, or nullptr (for the handlers and the
  // logger, which cpp-httplib runs on the same worker thread without a connection argument).
  static DeadlineStream* CurrentStream();

 private:
  bool process_and_close_socket(socket_t sock) override;

  std::chrono::milliseconds request_timeout_{10000};
  std::size_t max_header_bytes_ = 64 * 1024;
  std::function<void()> on_timed_out_;
};

}  // namespace zebra::server
