package printers_test

import "flag"

// update rewrites the recorded conversations (go test ./... -update).
var update = flag.Bool("update", false, "rewrite golden files")
