// Package e2e holds Quorum's end-to-end tests: a real server, Debian's
// headless Chromium driven by chromedp, and the three faces of the product
// used as people use them. Without Chromium the tests skip with a message;
// with QUORUM_REQUIRE_BROWSER=1 (as in CI) a missing browser fails them.
package e2e
