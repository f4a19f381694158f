package tlsx

// Test helpers shared with the external test package.

// TestPKI is testPKI for the external tests.
type TestPKI = testPKI

// NewTestPKI is newTestPKI for the external tests.
var NewTestPKI = newTestPKI
