// Command mlgate brings MLOps discipline into CI: it validates data against
// contracts, detects drift, gates model promotion on metrics and policies, signs
// and verifies models, and reports on pull requests.
package main

import (
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], newEnv()))
}
