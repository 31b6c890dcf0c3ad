"""View tests: pages and forms as a user sees them."""
