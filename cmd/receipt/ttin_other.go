//go:build !unix

package main

// ignoreTTIN: there is no job control to stop the process here.
func ignoreTTIN() {}
