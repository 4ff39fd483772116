// `lvtlab check --plant all`: each planted bug switched on in turn, the first seed of the range
// that catches it, its failure shrunk and its timeline recorded; the results for the report.
#pragma once

#include "check_outputs.hpp"

namespace lvt::cli {

// Exits 0 when every planted bug is caught within --seeds, 1 when one is missed, 2 when the
// outputs cannot be written.
int run_planted_power(const CheckFlags& flags);

}  // namespace lvt::cli
