//go:build race

package main

// nodeBuildFlags build the cluster tests' node processes with the race
// detector when the tests run with it.
var nodeBuildFlags = []string{"-race"}
