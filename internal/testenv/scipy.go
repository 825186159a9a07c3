package testenv

import (
	"os/exec"
	"testing"
)

// Python3SciPy returns Debian's /usr/bin/python3 when it can import SciPy
// (package python3-scipy), the independent implementation that the drift
// statistics are checked against.
func Python3SciPy(t testing.TB) string {
	t.Helper()
	const python = "/usr/bin/python3"
	if err := exec.Command(python, "-c", "import scipy, numpy").Run(); err != nil {
		missing(t, "SciPy for "+python+" is not installed (apt-get install python3-scipy, or 'make tools')")
	}
	return python
}
