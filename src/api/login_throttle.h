// Sign-in throttling for `zebra serve`: counts failed sign-ins per key (a username or a client
// address) in memory, per process. After `max_failures` failures within `window`, the key is
// locked for `backoff`; while locked, every attempt is refused before the password is checked,
// whether it would be right or not. Memory is bounded: keys are stored as SHA-256 digests and at
// most `max_keys` are kept (stale ones are purged first, then the least recently failed).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace zebra::api {

class LoginThrottle {
 public:
  using Clock = std::chrono::steady_clock;
  struct Limits {
    int max_failures = 5;
    std::chrono::seconds window{15 * 60};
    std::chrono::seconds backoff{15 * 60};
    std::size_t max_keys = 10000;
  };

  explicit LoginThrottle(Limits limits) : limits_(limits) {}

  // Starts an attempt: 0 when it may go ahead (then Finish must follow), otherwise the seconds
  // to wait (at least 1). Attempts in flight count as failures until they finish, so parallel
  // guesses cannot overrun the limit.
  std::int64_t Begin(std::string_view key, Clock::time_point now);
  // Ends an attempt begun with Begin. A failure may lock the key: returns true when this one did
  // (the caller audits it). A success forgets the key's failures when `reset_on_success`.
  bool Finish(std::string_view key, bool failed, bool reset_on_success, Clock::time_point now);

  std::size_t Size() const;

 private:
  struct Entry {
    std::deque<Clock::time_point> failures;  // within the window, oldest first, at most max_failures
    Clock::time_point locked_until{};
    Clock::time_point last{};
    int pending = 0;
  };
  void Prune(Entry& e, Clock::time_point now) const;
  void MakeRoom(Clock::time_point now);

  Limits limits_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace zebra::api
