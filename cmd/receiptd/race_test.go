//go:build race

package main

// Under -race the daemon the e2e tests run is a race-detecting build too.
func init() { raceBuild = true }
