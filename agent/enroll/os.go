package enroll

import "runtime"

// isWindows: there, file modes do not carry permissions (the service's
// state folder's ACL does), so a failed Chmod is no error.
func isWindows() bool { return runtime.GOOS == "windows" }
