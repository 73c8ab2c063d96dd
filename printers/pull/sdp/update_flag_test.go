package sdp

import "flag"

// Every test binary accepts -update; this package has no golden files.
var _ = flag.Bool("update", false, "rewrite golden files (none in this package)")
