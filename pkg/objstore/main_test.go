package objstore_test

import (
	"testing"

	"github.com/mlgate/mlgate/internal/objstoretest"
)

// TestMain starts each object store once for the package's tests.
func TestMain(m *testing.M) { objstoretest.Main(m) }
