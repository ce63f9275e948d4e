// Package frontend holds the browser side of Quorum, embedded in the binary
// so that one file serves everything. There is no build step.
package frontend

import "embed"

// Files are the pages and assets, served as they are.
//
//go:embed *.html *.css *.js
var Files embed.FS
