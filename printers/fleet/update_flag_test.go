package fleet

import "flag"

// -update is accepted so that `go test ./... -update` runs in every package.
var _ = flag.Bool("update", false, "rewrite golden files (none in this package)")
