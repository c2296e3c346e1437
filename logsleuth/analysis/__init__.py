"""Analysis: records become lifetimes, requests, test runs and findings (a scan)."""
