//go:build receiptd_debug

package main

import (
	"fmt"
	"net"
	"net/http"
	_ "net/http/pprof" // the profiles on http.DefaultServeMux, which receiptd's own handlers never use
	"os"
)

// A build for measurements only (go build -tags receiptd_debug): with
// RECEIPTD_DEBUG_LISTEN set, it serves net/http/pprof there (goroutine
// counts, CPU profiles, execution traces) for the soak and the poll
// latency tests. Release builds do not contain it.
func init() {
	addr := os.Getenv("RECEIPTD_DEBUG_LISTEN")
	if addr == "" {
		return
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "receiptd: debug listener:", err)
		return
	}
	fmt.Fprintf(os.Stderr, "receiptd: debug listening on http://%s\n", ln.Addr())
	go func() { _ = http.Serve(ln, nil) }() // ends with the process
}
