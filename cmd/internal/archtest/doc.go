// Package archtest holds the test that keeps the module's dependency rules
// true (see deps_test.go): escpos ← receipt ← printers ← cmd, transport on
// its own, the virtual printer registered by the binaries, and no testing
// package in what ships. It has no code of its own.
package archtest
