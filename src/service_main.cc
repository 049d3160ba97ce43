// zebra-service: the service commands of `zebra` (src/service/service_dispatch.cc).
#include <exception>
#include <iostream>

#include "cli/commands.h"

int main(int argc, char** argv) {
  try {
    return zebra::cli::ServiceMain(argc, argv, {std::cin, std::cout, std::cerr});
  } catch (const std::exception& e) {
    std::cerr << "zebra: internal error: " << e.what() << "\n";
    return 1;
  }
}
