//go:build !linux

package objstoretest

import "os"

// scratch is where the S3 server keeps its objects.
func scratch() string { return os.TempDir() }
