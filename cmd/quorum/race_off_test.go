//go:build !race

package main

var nodeBuildFlags []string
