#include "api/login_throttle.h"

#include <algorithm>

#include "auth/auth.h"

namespace zebra::api {

void LoginThrottle::Prune(Entry& e, Clock::time_point now) const {
  // A lock that has run out starts the key afresh; otherwise failures age out of the window.
  if (e.locked_until != Clock::time_point{} && e.locked_until <= now) {
    e.locked_until = {};
    e.failures.clear();
  }
  while (!e.failures.empty() && now - e.failures.front() >= limits_.window) e.failures.pop_front();
}

std::int64_t LoginThrottle::Begin(std::string_view key, Clock::time_point now) {
  // A digest, not the key: usernames come from the request and may be long.
  std::string digest = auth::Sha256Hex(key);
  std::lock_guard lock(mu_);
  auto it = entries_.find(digest);
  if (it == entries_.end()) {
    MakeRoom(now);
    it = entries_.emplace(std::move(digest), Entry{}).first;
    it->second.last = now;
  }
  Entry& e = it->second;
  Prune(e, now);
  if (e.locked_until > now) {
    auto wait = std::chrono::ceil<std::chrono::seconds>(e.locked_until - now).count();
    return std::max<std::int64_t>(1, wait);
  }
  if (static_cast<int>(e.failures.size()) + e.pending >= limits_.max_failures) return 1;  // attempts in flight
  ++e.pending;
  return 0;
}

bool LoginThrottle::Finish(std::string_view key, bool failed, bool reset_on_success, Clock::time_point now) {
  std::string digest = auth::Sha256Hex(key);
  std::lock_guard lock(mu_);
  auto it = entries_.find(digest);
  if (it == entries_.end()) {
    // Evicted while the attempt ran; a failure starts a new entry.
    if (!failed) return false;
    MakeRoom(now);
    it = entries_.emplace(std::move(digest), Entry{}).first;
  }
  Entry& e = it->second;
  if (e.pending > 0) --e.pending;
  e.last = now;
  Prune(e, now);
  if (!failed) {
    if (reset_on_success) {
      e.failures.clear();
      e.locked_until = {};
      if (e.pending == 0) entries_.erase(it);
    }
    return false;
  }
  e.failures.push_back(now);
  while (static_cast<int>(e.failures.size()) > limits_.max_failures) e.failures.pop_front();
  if (static_cast<int>(e.failures.size()) >= limits_.max_failures && e.locked_until <= now) {
    e.locked_until = now + limits_.backoff;
    return true;
  }
  return false;
}

void LoginThrottle::MakeRoom(Clock::time_point now) {
  if (entries_.size() < limits_.max_keys) return;
  // First drop what no longer matters: unlocked keys without failures in the window.
  for (auto it = entries_.begin(); it != entries_.end();) {
    Prune(it->second, now);
    if (it->second.failures.empty() && it->second.locked_until == Clock::time_point{} && it->second.pending == 0)
      it = entries_.erase(it);
    else
      ++it;
  }
  // Still full (a flood of distinct keys): drop the least recently failed one.
  while (entries_.size() >= limits_.max_keys) {
    auto oldest = std::min_element(entries_.begin(), entries_.end(),
                                   [](const auto& a, const auto& b) { return a.second.last < b.second.last; });
    entries_.erase(oldest);
  }
}

std::size_t LoginThrottle::Size() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

}  // namespace zebra::api
