// libFuzzer: request bodies into the CDS Hooks services (no verifier, no store, no network).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "build_info.h"
#include "api/cds_hooks.h"
#include "engine/engine.h"

namespace {

const zebra::engine::Knowledge* Kb() {
  static std::shared_ptr<const zebra::engine::Knowledge> kb = [] {
    auto loaded = zebra::engine::Knowledge::Load(std::string(ZEBRA_SOURCE_DIR) + "/knowledge");
    return loaded ? *loaded : nullptr;
  }();
  return kb.get();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (!Kb()) return 0;
  std::string_view body(reinterpret_cast<const char*>(data), size);
  zebra::api::CdsContext ctx{Kb(), nullptr, nullptr, "https://zebra.invalid", 1748779200};
  // Never touch the network: a fhirServer in the input gets a failing fetch.
  ctx.fhir_get = [](const std::string&, const std::string&) -> tl::expected<std::string, std::string> {
    return tl::unexpected(std::string("offline"));
  };
  auto check = [](const zebra::api::Response& r) {
    if (r.status < 200 || r.status > 599) __builtin_trap();
  };
  check(zebra::api::HandleCdsHook(ctx, "net-tumor-board", "", body));
  check(zebra::api::HandleCdsHook(ctx, "net-order-check", "", body));
  check(zebra::api::HandleCdsFeedback(ctx, "net-tumor-board", "", body));
  return 0;
}
