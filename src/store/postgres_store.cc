// PostgreSQL store (shared by replicas).
#include "store/store_internal.h"

namespace zebra::store::internal {

Result<std::unique_ptr<Store>> OpenPostgresStore(const std::string&) {
  return tl::unexpected(std::string("postgresql store not implemented yet"));
}

}  // namespace zebra::store::internal
