//go:build !unix

package wsconn

import "time"

// cpuTimes is not measured here: benchmarks leave their CPU metrics out.
func cpuTimes() (user, sys time.Duration) { return 0, 0 }
